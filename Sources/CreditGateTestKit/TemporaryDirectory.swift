public import Foundation

/// A fresh folder for one SQLite database, removed when the test is done with it.
public struct TemporaryDirectory: Sendable {
  /// The folder (not created until something is written into it).
  public let url = FileManager.default.temporaryDirectory
    .appending(path: "creditgate-storage-\(UUID().uuidString)")

  /// A new, unique folder name.
  public init() {}

  /// Where the database file goes.
  public var databasePath: String { url.appending(path: "creditgate.sqlite").path }

  /// Removes the folder and everything in it.
  public func remove() { try? FileManager.default.removeItem(at: url) }
}
