import CreditGateCore
import CreditGateProtos
import CreditGateServer
import CreditGateTestKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import GRPCProtobuf
import Testing

/// Issue 8, 7: a message over the size limit is answered `RESOURCE_EXHAUSTED` naming the limit,
/// and audited; before, the transport reset the stream and the caller saw `CANCELLED`.
@Suite("Request size limit over mutual TLS")
struct RequestSizeLimitTests {
  static let operatorMetadata: Metadata = ["x-operator-id": "officer-007"]
  static let liNa = "330102198506150040"

  static func getProfile(_ gateway: TestGateway, purpose: String) async throws -> Creditgate_V1_GetProfileResponse {
    try await gateway.connection(as: "demo-hr-bureau").withClient { client in
      try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
        .with {
          $0.subjectCode = Self.liNa
          $0.purpose = purpose
        }, metadata: Self.operatorMetadata)
    }
  }

  @Test("a message over the limit is refused RESOURCE_EXHAUSTED naming it, audited; the server goes on")
  func oversized() async throws {
    try await TestGateway.withRunning { gateway in
      let limit = RequestSizeLimit.defaultBytes
      let before = try await gateway.auditEntries().count
      var refusal: RPCError?
      do {
        _ = try await Self.getProfile(gateway, purpose: String(repeating: "x", count: limit + 1))
        Issue.record("an oversized message was answered")
      } catch let error as RPCError {
        refusal = error
      }
      let error = try #require(refusal)
      #expect(error.code == .resourceExhausted, "\(error)")
      #expect(error.message.contains("limit of \(limit) bytes per message"), "\(error.message)")
      let entries = try await gateway.auditEntries()
      #expect(entries.count == before + 1)
      let entry = try #require(entries.last)
      #expect(entry.method == "/creditgate.v1.CreditQuery/GetProfile")
      #expect(entry.institutionID == "demo-hr-bureau")
      #expect(entry.outcome == .denied)
      #expect(entry.statusCode == RPCError.Code.resourceExhausted.rawValue)
      #expect(entry.reason.contains("limit of \(limit) bytes"))
      #expect(error.metadata[stringValues: "x-query-id"].first(where: { _ in true }) == String(entry.sequence))

      // The same connection's neighbours, and a message just under the limit, still get answers.
      let answered = try await Self.getProfile(gateway, purpose: "civil-servant-recruitment")
      #expect(!answered.records.isEmpty)
      do {
        _ = try await Self.getProfile(gateway, purpose: String(repeating: "x", count: limit - 64))
      } catch let error as RPCError {
        // Refused by the gateway's own rules (the purpose is unknown or too long), not the limit.
        #expect(error.code != .resourceExhausted && error.code != .cancelled, "\(error)")
      }
    }
  }
}
