import CreditGateCore
import Foundation
import Testing

/// Helpers shared by the domain tests.
enum TestSupport {
  /// The repository's `config/` folder, found from this file's path.
  static let configDirectory: URL = URL(filePath: #filePath)
    .deletingLastPathComponent()  // CreditGateCoreTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()  // repository root
    .appending(path: "config")

  /// The published lists shipped in `config/`.
  static func shippedLists() throws -> PublishedLists {
    try PublishedLists.load(from: configDirectory)
  }

  /// Runs `body` and returns the `GatewayError` it throws, recording an issue if it throws none.
  static func gatewayError(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
  ) -> GatewayError? {
    do {
      try body()
      Issue.record("expected a GatewayError, nothing was thrown", sourceLocation: sourceLocation)
      return nil
    } catch let error as GatewayError {
      return error
    } catch {
      Issue.record("expected a GatewayError, got \(error)", sourceLocation: sourceLocation)
      return nil
    }
  }
}

/// Subject codes with correct check characters (see SubjectCodeTests for how they were computed).
enum Codes {
  static let person = "33010619900101123X"
  static let otherPerson = "330102198506150040"
  static let organisation = "91350100M000100Y43"
  static let government = "11330100MB0000012X"
}
