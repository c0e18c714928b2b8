import CreditGateCore
import CreditGateProtos
import CreditGateServer
import CreditGateTestKit
import Foundation
import GRPCCore
import Testing

/// Usage statistics, anomalies and the person's access log, over a real mTLS socket.
@Suite("Oversight views")
struct OversightEndToEndTests {
  static let metadata: Metadata = ["x-operator-id": "o1"]

  @Test("statistics count calls per day, institution, method and outcome")
  func usageStats() async throws {
    try await TestGateway.withRunning { gateway in
      try await gateway.connection(as: "demo-hr-bureau").withClient { client in
        let query = Creditgate_V1_CreditQuery.Client(wrapping: client)
        for _ in 0..<2 {
          _ = try await query.getProfile(
            .with { $0.subjectCode = "330102198506150040"; $0.purpose = "civil-servant-recruitment" },
            metadata: Self.metadata)
        }
        _ = try? await query.getProfile(.with { $0.subjectCode = "1"; $0.purpose = "awards" }, metadata: Self.metadata)
      }
      let stats = try await gateway.connection(as: "demo-privacy-office").withClient { client in
        try await Creditgate_V1_Oversight.Client(wrapping: client).getUsageStats(.init())
      }
      let today = LocalDate.todayInChina().iso
      let rows = stats.counts.map { "\($0.day) \($0.institutionID) \($0.method) \($0.outcome) \($0.count)" }
      #expect(rows == [
        "\(today) demo-hr-bureau /creditgate.v1.CreditQuery/GetProfile ANSWERED 2",
        "\(today) demo-hr-bureau /creditgate.v1.CreditQuery/GetProfile INVALID 1",
      ])
    }
  }

  @Test("identity probing shows up as an anomaly naming its entries")
  func anomalies() async throws {
    try await TestGateway.withRunning { gateway in
      let sequences = try await gateway.connection(as: "demo-hr-bureau").withClient { client in
        let query = Creditgate_V1_CreditQuery.Client(wrapping: client)
        var sequences: [UInt64] = []
        for index in 0..<5 {
          sequences.append(try await query.verifyIdentity(
            .with { $0.subjectCode = "33010619900101123X"; $0.name = "王\(index)"; $0.purpose = "admin-licensing" },
            metadata: Self.metadata).queryID)
        }
        return sequences
      }
      let response = try await gateway.connection(as: "demo-privacy-office").withClient { client in
        try await Creditgate_V1_Oversight.Client(wrapping: client).listAnomalies(.init())
      }
      #expect(response.anomalies.map(\.rule) == ["identity-probing"])
      #expect(response.anomalies.first?.sequences == sequences)
      #expect(response.anomalies.first?.institutionID == "demo-hr-bureau")
    }
  }

  @Test("a person sees who queried them, each entry with a proof that verifies")
  func accessLog() async throws {
    try await TestGateway.withRunning { gateway in
      let code = "330102198506150040"
      let queryID = try await gateway.connection(as: "demo-hr-bureau").withClient { client in
        try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
          .with { $0.subjectCode = code; $0.purpose = "civil-servant-recruitment" }, metadata: Self.metadata
        ).queryID
      }
      _ = try? await gateway.connection(as: "demo-bank").withClient { client in
        try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
          .with { $0.subjectCode = code; $0.purpose = "commercial-loan" }, metadata: Self.metadata)
      }
      let log = try await gateway.connection(as: "demo-portal").withClient { client in
        try await Creditgate_V1_SubjectRights.Client(wrapping: client).listAccessLog(
          .with { $0.subjectCode = code }, metadata: Self.metadata)
      }
      #expect(log.entries.map(\.institutionID) == ["demo-hr-bureau", "demo-bank"])
      #expect(log.entries.map(\.outcome) == ["ANSWERED", "DENIED"])
      #expect(log.entries.first?.sequence == queryID)
      let tree = gateway.gateway.auditWriter.tree
      for entry in log.entries {
        let proof = entry.inclusionProof.map { hex in
          stride(from: 0, to: hex.count, by: 2).map { offset in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
          }
        }
        #expect(MerkleVerifier.verifyInclusion(
          leafHash: try tree.leafHash(at: entry.sequence - 1), leafIndex: entry.sequence - 1,
          treeSize: entry.treeSize, proof: proof, root: try tree.rootHash(size: entry.treeSize)))
      }
      // Another person's log does not show these queries.
      let other = try await gateway.connection(as: "demo-portal").withClient { client in
        try await Creditgate_V1_SubjectRights.Client(wrapping: client).listAccessLog(
          .with { $0.subjectCode = "33010619900101123X" }, metadata: Self.metadata)
      }
      #expect(other.entries.isEmpty)
    }
  }
}
