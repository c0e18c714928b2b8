import CreditGateClient
import CreditGateCore
import CreditGateProtos
import CreditGateSQLite
import CreditGateServer
import CreditGateTestKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import SwiftProtobuf
import Testing

/// DESIGN §8, fail closed: with the audit store unwritable (a real SQLite file whose writer
/// refuses writes), every method of every service — unary, streaming and state-changing — is
/// refused `UNAVAILABLE`, nothing is disclosed, no change is stored, health answers
/// `NOT_SERVING`; service resumes by itself when the store has room again.
@Suite("Fail closed for every method", .timeLimit(.minutes(2)))
struct FailClosedTests {
  static let operatorMetadata: Metadata = ["x-operator-id": "officer-fail-closed"]
  static let liNa = "330102198506150040"

  /// Who calls each service: an institution whose role opens it, so that calls reach their
  /// handler's body rather than stop at the role check.
  static let callers: [String: String] = [
    "creditgate.v1.CreditQuery": "demo-hr-bureau",
    "creditgate.v1.CreditRecords": "demo-data-platform",
    "creditgate.v1.Consents": "demo-portal",
    "creditgate.v1.SubjectRights": "demo-portal",
    "creditgate.v1.Oversight": "demo-privacy-office",
  ]

  static let methods: [MethodDescriptor] =
    Creditgate_V1_CreditQuery.Method.descriptors + Creditgate_V1_CreditRecords.Method.descriptors
    + Creditgate_V1_Consents.Method.descriptors + Creditgate_V1_SubjectRights.Method.descriptors
    + Creditgate_V1_Oversight.Method.descriptors

  /// A request that would change state or disclose something if the gateway let it through.
  static func request(for method: MethodDescriptor, consentID: String) throws -> [UInt8] {
    let message: any SwiftProtobuf.Message =
      switch method.method {
      case "RegisterSubjects":
        Creditgate_V1_RegisterSubjectsRequest.with {
          $0.subjects = [.with { $0.subjectCode = liNa; $0.name = "改名" }]
        }
      case "SubmitRecords":
        Creditgate_V1_SubmitRecordsRequest.with {
          $0.records = [
            .with {
              $0.providerRecordID = "fail-closed-1"
              $0.subjectCode = liNa
              $0.category = "fraud"
              $0.severity = .serious
              $0.title = "电信网络诈骗"
              $0.documentNumber = "杭公刑〔2026〕1号"
              $0.actDate = "2026-01-05"
              $0.decidedOn = "2026-02-01"
            }
          ]
        }
      case "GrantConsent":
        Creditgate_V1_GrantConsentRequest.with {
          $0.subjectCode = liNa
          $0.granteeInstitutionID = "demo-bank"
          $0.purpose = "commercial-loan"
          $0.validUntil = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(30 * 86_400))
        }
      case "RevokeConsent":
        Creditgate_V1_RevokeConsentRequest.with { $0.consentID = consentID }
      case "GetProfile", "CheckMeasures", "VerifyIdentity":
        Creditgate_V1_GetProfileRequest.with {
          $0.subjectCode = liNa
          $0.purpose = "civil-servant-recruitment"
        }
      case "ListConsents", "GetOwnReport", "ListAccessLog":
        Creditgate_V1_ListConsentsRequest.with { $0.subjectCode = liNa }
      default:
        // The empty message: a valid request of every type.
        Creditgate_V1_ListConsentsRequest()
      }
    return try message.serializedBytes()
  }

  @Test("with the store full, every method is refused UNAVAILABLE and changes nothing; then it resumes")
  func everyMethod() async throws {
    let directory = FileManager.default.temporaryDirectory.appending(path: "creditgate-fail-closed-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = try SQLiteStore.open(path: directory.appending(path: "creditgate.sqlite").path)
    try await TestGateway.withRunning(store: store) { gateway in
      let consent = Consent(
        id: "c-fail-closed", subjectCode: Self.liNa, granteeID: "demo-bank", purpose: "commercial-loan",
        categories: ["loan-default"], validFrom: Date(), validUntil: Date().addingTimeInterval(86_400),
        recordedBy: "demo-portal")
      try await store.insertConsent(consent)
      let subjectBefore = try await store.subject(code: Self.liNa)
      let recordsBefore = try await store.records(subjectCode: Self.liNa)
      let consentsBefore = try await store.consents(subjectCode: Self.liNa)
      let sizeBefore = try await store.size(origin: gateway.gateway.auditOrigin)
      #expect(try await Self.health(gateway) == .serving)

      // Unwritable: the writer connection refuses every write, as with a read-only file.
      // (A full database, `max_page_count`, is SQLiteStoreTests' probe test: the last pages of
      // each table keep room for a few small rows, so it cannot stop every append at once.)
      try await store.executeAsOperator("PRAGMA query_only = 1")
      var codes: [String: RPCError.Code?] = [:]
      for method in Self.methods {
        let caller = try #require(Self.callers[method.service.fullyQualifiedService])
        codes[method.fullyQualifiedMethod] = try await Self.call(
          method, bytes: try Self.request(for: method, consentID: consent.id), on: gateway.connection(as: caller))
      }
      #expect(codes.count == Self.methods.count)
      for (method, code) in codes.sorted(by: { $0.key < $1.key }) {
        #expect(code == .unavailable, "\(method): \(String(describing: code))")
      }
      #expect(try await store.size(origin: gateway.gateway.auditOrigin) == sizeBefore, "no entry was stored")
      #expect(try await store.subject(code: Self.liNa) == subjectBefore, "RegisterSubjects changed nothing")
      #expect(try await store.records(subjectCode: Self.liNa) == recordsBefore, "SubmitRecords stored nothing")
      let consentsAfter = try await store.consents(subjectCode: Self.liNa)
      #expect(consentsAfter.map(\.id) == consentsBefore.map(\.id), "GrantConsent stored nothing")
      #expect(consentsAfter.first { $0.id == consent.id }?.revokedAt == nil, "RevokeConsent changed nothing")
      #expect(try await Self.health(gateway) == .notServing)

      // Room again: health comes back by itself, and calls are answered.
      try await store.executeAsOperator("PRAGMA query_only = 0")
      #expect(try await Self.health(gateway) == .serving)
      let revoke = Creditgate_V1_RevokeConsentRequest.with { $0.consentID = consent.id }
      let revoked = try await gateway.connection(as: "demo-portal").withClient { client in
        try await Creditgate_V1_Consents.Client(wrapping: client).revokeConsent(revoke, metadata: Self.operatorMetadata)
      }
      #expect(revoked.queryID == sizeBefore + 1)
      #expect(try await store.consent(id: consent.id)?.revokedAt != nil)
    }
  }

  static func health(_ gateway: TestGateway) async throws -> Grpc_Health_V1_HealthCheckResponse.ServingStatus {
    try await gateway.connection(as: "demo-bank").withClient { client in
      try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init()).status
    }
  }

  /// Calls any method with raw request bytes as a stream (which unary and server-streaming
  /// handlers both accept) and returns its status code, nil for OK.
  static func call(_ method: MethodDescriptor, bytes: [UInt8], on connection: GatewayConnection) async throws -> RPCError.Code? {
    try await callDetailed(method, bytes: bytes, on: connection).code
  }

  /// `call`, with the status message too ("" for OK).
  static func callDetailed(
    _ method: MethodDescriptor, bytes: [UInt8], on connection: GatewayConnection
  ) async throws -> (code: RPCError.Code?, message: String) {
    try await connection.withClient { client in
      try await client.bidirectionalStreaming(
        request: StreamingClientRequest(of: [UInt8].self, metadata: operatorMetadata) { try await $0.write(bytes) },
        descriptor: method, serializer: RawBytes(), deserializer: RawBytes(), options: .defaults
      ) { response in
        do {
          for try await _ in response.messages {}
          return (nil, "")
        } catch let error as RPCError {
          return (error.code, error.message)
        }
      }
    }
  }
}
