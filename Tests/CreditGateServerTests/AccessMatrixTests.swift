import CreditGateCore
import CreditGateProtos
import CreditGateServer
import CreditGateTestKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Testing

/// The whole matrix of DESIGN §3, end to end over mutual TLS: every demo institution calls one
/// representative method of every service; the role refuses exactly the cells it does not open,
/// and every call, refused or not, leaves one audit entry.
@Suite("Access matrix over mutual TLS")
struct AccessMatrixTests {
  static let operatorMetadata: Metadata = ["x-operator-id": "officer-matrix"]
  static let liNa = "330102198506150040"
  static let zhangWei = "33010619900101123X"

  /// One representative method per service (Oversight twice: its roles differ by method, and
  /// `GetPublishedLists` is open to everyone).
  enum Method: String, CaseIterable, Sendable {
    case getProfile = "CreditQuery/GetProfile"
    case submitRecords = "CreditRecords/SubmitRecords"
    case listConsents = "Consents/ListConsents"
    case getOwnReport = "SubjectRights/GetOwnReport"
    case searchAuditLog = "Oversight/SearchAuditLog"
    case decideCase = "Oversight/DecideCase"
    case getPublishedLists = "Oversight/GetPublishedLists"

    var path: String { "/creditgate.v1.\(rawValue)" }

    /// The roles DESIGN §3 says open the method (empty: open to every institution).
    var roles: [String] {
      switch self {
      case .getProfile: ["query"]
      case .submitRecords: ["provider"]
      case .listConsents: ["portal", "query"]
      case .getOwnReport: ["portal"]
      case .searchAuditLog: ["privacy-office"]
      case .decideCase: ["credit-admin"]
      case .getPublishedLists: []
      }
    }
  }

  struct Row: Sendable, CustomTestStringConvertible {
    var institution: String
    var opens: Set<Method>
    var testDescription: String { institution }
  }

  /// The matrix, written out cell by cell from DESIGN §3 and config/gateway.json.
  static let matrix: [Row] = [
    Row(institution: "demo-bank", opens: [.getProfile, .listConsents, .getPublishedLists]),
    Row(institution: "demo-hr-bureau", opens: [.getProfile, .listConsents, .getPublishedLists]),
    Row(institution: "demo-court", opens: [.submitRecords, .getPublishedLists]),
    Row(institution: "demo-data-platform", opens: [.submitRecords, .getPublishedLists]),
    Row(institution: "demo-population-registry", opens: [.submitRecords, .getPublishedLists]),
    Row(institution: "demo-portal", opens: [.listConsents, .getOwnReport, .getPublishedLists]),
    Row(institution: "demo-privacy-office", opens: [.searchAuditLog, .getPublishedLists]),
    Row(institution: "demo-credit-office", opens: [.decideCase, .getPublishedLists]),
  ]

  @Test("the matrix covers every demo institution")
  func matrixCoversConfiguration() throws {
    let configured = try TestGateway.configuration(in: FileManager.default.temporaryDirectory).institutions
    #expect(Set(configured.map(\.id)) == Set(Self.matrix.map(\.institution)))
  }

  /// Makes one call; nil when it was answered.
  static func call(_ method: Method, _ client: GRPCClient<HTTP2ClientTransport.Posix>) async -> RPCError? {
    do {
      switch method {
      case .getProfile:
        _ = try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
          .with {
            $0.subjectCode = liNa
            $0.purpose = "civil-servant-recruitment"
          }, metadata: operatorMetadata)
      case .submitRecords:
        _ = try await Creditgate_V1_CreditRecords.Client(wrapping: client).submitRecords(
          .with {
            $0.records = [
              .with {
                $0.providerRecordID = "matrix-1"
                $0.subjectCode = liNa
                $0.category = "dishonest-judgment-debtor"
                $0.severity = .general
                $0.title = "拒不履行"
                $0.documentNumber = "(2026)浙0106执0001号"
                $0.actDate = "2026-01-05"
                $0.decidedOn = "2026-02-01"
              }
            ]
          })
      case .listConsents:
        _ = try await Creditgate_V1_Consents.Client(wrapping: client).listConsents(
          .with { $0.subjectCode = zhangWei }, metadata: operatorMetadata)
      case .getOwnReport:
        _ = try await Creditgate_V1_SubjectRights.Client(wrapping: client).getOwnReport(
          .with { $0.subjectCode = zhangWei }, metadata: operatorMetadata)
      case .searchAuditLog:
        try await Creditgate_V1_Oversight.Client(wrapping: client).searchAuditLog(.init()) { response in
          for try await _ in response.messages {}
        }
      case .decideCase:
        _ = try await Creditgate_V1_Oversight.Client(wrapping: client).decideCase(
          .with {
            $0.caseID = "case-matrix-1"
            $0.upheld = false
            $0.reason = "matrix"
          })
      case .getPublishedLists:
        _ = try await Creditgate_V1_Oversight.Client(wrapping: client).getPublishedLists(.init())
      }
      return nil
    } catch let error as RPCError {
      return error
    } catch {
      Issue.record("\(method.rawValue) failed with \(error), not an RPCError")
      return RPCError(code: .unknown, message: "\(error)")
    }
  }

  /// The outcome the audit log records for a call that ended with `code` (AuditOutcome's
  /// documentation: refusals are DENIED, malformed requests INVALID, the rest FAILED).
  static func outcome(_ code: RPCError.Code?) -> AuditOutcome {
    switch code {
    case nil: .answered
    case .invalidArgument?: .invalid
    case .permissionDenied?, .unauthenticated?, .resourceExhausted?: .denied
    default: .failed
    }
  }

  static func isRoleRefusal(_ error: RPCError?) -> Bool {
    guard let error, error.code == .permissionDenied else { return false }
    return error.message.contains("requires the role")
  }

  @Test("each institution against one method of every service", arguments: matrix)
  func row(_ row: Row) async throws {
    try await TestGateway.withRunning { gateway in
      try await gateway.connection(as: row.institution).withClient { client in
        for method in Method.allCases {
          let before = try await gateway.auditEntries().count
          let error = await Self.call(method, client)
          let cell = "\(row.institution) × \(method.rawValue): \(error.map { "\($0.code) \($0.message)" } ?? "OK")"

          if row.opens.contains(method) {
            #expect(!Self.isRoleRefusal(error), "\(cell)")
            #expect(!(error?.message.contains("role") ?? false), "\(cell)")
          } else {
            #expect(error?.code == .permissionDenied, "\(cell)")
            #expect(Self.isRoleRefusal(error), "\(cell)")
            for role in method.roles {
              #expect(error?.message.contains(role) == true, "\(cell) should name the role \(role)")
            }
          }

          let entries = try await gateway.auditEntries()
          #expect(entries.count == before + 1, "\(cell): one audit entry per call")
          let entry = try #require(entries.last)
          #expect(entry.institutionID == row.institution, "\(cell)")
          #expect(entry.method == method.path, "\(cell)")
          #expect(entry.outcome == Self.outcome(error?.code), "\(cell)")
          #expect(entry.statusCode == (error?.code.rawValue ?? 0), "\(cell)")
          if !row.opens.contains(method) {
            #expect(entry.outcome == .denied, "\(cell)")
            #expect(entry.recordsDisclosed == 0, "\(cell)")
            #expect(entry.categoriesDisclosed.isEmpty, "\(cell)")
          }
          if let error {
            #expect(entry.reason == error.message, "\(cell)")
            let queryID = error.metadata[stringValues: "x-query-id"].first(where: { _ in true })
            #expect(queryID == String(entry.sequence), "\(cell): the refusal carries its query id")
          }
        }
      }
    }
  }

  @Test("a spent query quota answers RESOURCE_EXHAUSTED and is audited DENIED")
  func quotaExhausted() async throws {
    try await TestGateway.withRunning(configure: { configuration in
      let index = try #require(configuration.institutions.firstIndex { $0.id == "demo-hr-bureau" })
      configuration.institutions[index].quotaPerMinute = 2
    }) { gateway in
      #expect(gateway.gateway.authenticator.institution("demo-hr-bureau")?.quotaPerMinute == 2)
      try await gateway.connection(as: "demo-hr-bureau").withClient { client in
        // A burst of two, refilled one token every 30 s: the three calls below take far less.
        for _ in 0..<2 {
          #expect(await Self.call(.getProfile, client) == nil)
        }
        let error = try #require(await Self.call(.getProfile, client))
        #expect(error.code == .resourceExhausted)
        #expect(error.message.contains("quota"))

        let entry = try #require(try await gateway.auditEntries().last)
        #expect(error.metadata[stringValues: "x-query-id"].first(where: { _ in true }) == String(entry.sequence))
        #expect(entry.institutionID == "demo-hr-bureau")
        #expect(entry.method == Method.getProfile.path)
        #expect(entry.outcome == .denied)
        #expect(entry.statusCode == RPCError.Code.resourceExhausted.rawValue)
        #expect(entry.reason == error.message)
        #expect(entry.recordsDisclosed == 0)
        #expect(entry.categoriesDisclosed.isEmpty)

        // The quota is on queries: the institution's other calls still go through.
        #expect(await Self.call(.getPublishedLists, client) == nil)
        #expect(await Self.call(.listConsents, client) == nil)
      }
      // And it is the institution's own: another querier is not held back.
      try await gateway.connection(as: "demo-bank").withClient { client in
        let error = await Self.call(.getProfile, client)
        #expect(error?.code != .resourceExhausted)
      }
      let outcomes = try await gateway.auditEntries().map(\.outcome)
      #expect(outcomes == [.answered, .answered, .denied, .answered, .answered, .denied])
    }
  }
}
