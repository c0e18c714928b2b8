import CreditGateCore
import CreditGateProtos
import CreditGateServer
import CreditGateTestKit
import Foundation
import GRPCCore
import Testing

/// Isolation (DESIGN §3): every demo institution against every method of every service. A method
/// its roles do not open is refused `PERMISSION_DENIED` naming the role, audited `DENIED` with
/// nothing disclosed; a method they open is never refused for the role. The expectations are
/// written out from the design here, not read from `AccessPolicy`.
@Suite("Isolation: every role against every method", .timeLimit(.minutes(2)))
struct IsolationTests {
  /// The roles of each demo institution (config/gateway.json).
  static let roles: [String: Set<String>] = [
    "demo-bank": ["query"], "demo-hr-bureau": ["query"], "demo-court": ["provider"],
    "demo-data-platform": ["provider"], "demo-population-registry": ["provider"],
    "demo-portal": ["portal"], "demo-privacy-office": ["privacy-office"], "demo-credit-office": ["credit-admin"],
  ]

  /// The roles that open a method (DESIGN §3 and §10); empty: every institution.
  static func opening(_ method: MethodDescriptor) -> Set<String> {
    switch method.service.fullyQualifiedService {
    case "creditgate.v1.CreditQuery": return ["query"]
    case "creditgate.v1.CreditRecords": return ["provider"]
    case "creditgate.v1.Consents": return ["portal", "query"]
    case "creditgate.v1.SubjectRights": return ["portal"]
    default:
      switch method.method {
      case "GetPublishedLists": return []
      case "DecideCase", "GetCase", "SuspendInstitution", "LiftSuspension": return ["credit-admin"]
      case "ListCases", "ListSuspensions": return ["privacy-office", "credit-admin"]
      default: return ["privacy-office"]
      }
    }
  }

  @Test("each institution against all methods", arguments: roles.keys.sorted())
  func institution(_ institution: String) async throws {
    let held = try #require(Self.roles[institution])
    try await TestGateway.withRunning { gateway in
      let connection = gateway.connection(as: institution)
      var refused = 0
      for method in FailClosedTests.methods {
        let before = try await gateway.auditEntries().count
        let (code, message) = try await FailClosedTests.callDetailed(method, bytes: [], on: connection)
        let cell = "\(institution) × \(method.fullyQualifiedMethod): \(code.map { "\($0)" } ?? "OK") \(message)"
        let entries = try await gateway.auditEntries()
        #expect(entries.count == before + 1, "\(cell): one entry per call")
        let opens = Self.opening(method)
        if opens.isEmpty || !opens.isDisjoint(with: held) {
          #expect(!(code == .permissionDenied && message.contains("requires the role")), "\(cell)")
        } else {
          refused += 1
          #expect(code == .permissionDenied, "\(cell)")
          #expect(message.contains("requires the role"), "\(cell)")
          for role in opens { #expect(message.contains(role), "\(cell) names \(role)") }
          let entry = try #require(entries.last)
          #expect(entry.method == "/" + method.fullyQualifiedMethod, "\(cell)")
          #expect(entry.institutionID == institution, "\(cell)")
          #expect(entry.outcome == .denied, "\(cell)")
          #expect(entry.recordsDisclosed == 0 && entry.categoriesDisclosed.isEmpty && entry.responseDigest.isEmpty, "\(cell)")
        }
      }
      // Every institution is shut out of most of the API.
      #expect(refused >= FailClosedTests.methods.count / 2, "\(institution) refused \(refused)")
    }
  }
}
