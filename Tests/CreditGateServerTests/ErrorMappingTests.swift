import CreditGateCore
import CreditGateProtos
import CreditGateServer
import CreditGateTestKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Testing

/// How a failure inside a call is answered and audited: a storage failure is `UNAVAILABLE`, any
/// other unexpected error `INTERNAL` — never the one for the other — and both leave an entry.
@Suite("Error mapping over mutual TLS")
struct ErrorMappingTests {
  struct Unexpected: Error {}

  struct Row: Sendable, CustomTestStringConvertible {
    var label: String
    var error: any Error & Sendable
    var code: RPCError.Code
    var message: String
    var testDescription: String { label }
  }

  static let rows: [Row] = [
    Row(
      label: "a StorageError is UNAVAILABLE", error: StorageError("read records", underlying: Unexpected()),
      code: .unavailable, message: "storage is unavailable"),
    Row(
      label: "any other error is INTERNAL, not a storage failure", error: Unexpected(), code: .internalError,
      message: "the gateway failed; the fault is logged"),
  ]

  @Test("a failure inside the call", arguments: rows)
  func failure(_ row: Row) async throws {
    let store = TestStore()
    try await TestGateway.withRunning(store: store) { gateway in
      store.failRecordReads(with: row.error)
      let error = try await #require(throws: RPCError.self) {
        try await gateway.connection(as: "demo-hr-bureau").withClient { client in
          try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
            .with {
              $0.subjectCode = "330102198506150040"
              $0.purpose = "civil-servant-recruitment"
            }, metadata: ["x-operator-id": "officer-errors-1"])
        }
      }
      #expect(error.code == row.code)
      #expect(error.message == row.message)
      let queryID = try #require(error.metadata[stringValues: "x-query-id"].first(where: { _ in true }))
      let entry = try #require(try await gateway.auditEntries().last)
      #expect(String(entry.sequence) == queryID)
      #expect(entry.outcome == .failed)
      #expect(entry.statusCode == row.code.rawValue)
      #expect(entry.reason == row.message)
      #expect(entry.recordsDisclosed == 0)

      // The server keeps serving once the store reads again.
      store.failRecordReads(with: nil)
      let answer = try await gateway.connection(as: "demo-hr-bureau").withClient { client in
        try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
          .with {
            $0.subjectCode = "330102198506150040"
            $0.purpose = "civil-servant-recruitment"
          }, metadata: ["x-operator-id": "officer-errors-1"])
      }
      #expect(answer.records.count == 2)
    }
  }
}
