import CreditGateClient
import CreditGateProtos
import CreditGateTestKit
import GRPCCore
import Testing

/// The one way the client commands run a call (`CommandRunner`), against a real gateway: an
/// answer comes back as it was sent; a refusal is reported with the status and the query id of
/// its audit entry, and thrown as `CommandRunner.Failure`.
@Suite("Command runner over mutual TLS")
struct CommandRunnerEndToEndTests {
  static let operatorMetadata: Metadata = ["x-operator-id": "officer-runner"]

  @Test("an answered call returns the answer")
  func answered() async throws {
    try await TestGateway.withRunning { gateway in
      let runner = CommandRunner(connection: gateway.connection(as: "demo-bank"), format: .text)
      let lists = try await runner.call { grpc in
        try await Creditgate_V1_Oversight.Client(wrapping: grpc).getPublishedLists(.init(), metadata: Self.operatorMetadata)
      }
      #expect(!lists.categories.isEmpty)
    }
  }

  @Test("a refused call is thrown as a failure whose line carries the query id")
  func refused() async throws {
    try await TestGateway.withRunning { gateway in
      let runner = CommandRunner(connection: gateway.connection(as: "demo-bank"), format: .json)
      let failure = try await #require(throws: CommandRunner.Failure.self) {
        try await runner.run { grpc in
          try await Creditgate_V1_Oversight.Client(wrapping: grpc).getUsageStats(.init(), metadata: Self.operatorMetadata)
        } print: { _ in
          Issue.record("a refused call printed an answer")
        }
      }
      #expect(failure.error.code == .permissionDenied)
      let sequence = try #require(try await gateway.auditEntries().last?.sequence)
      #expect(failure.error.failureLine.hasPrefix("error: PERMISSION_DENIED: "))
      #expect(failure.error.failureLine.hasSuffix(" (query_id \(sequence))"))
    }
  }
}
