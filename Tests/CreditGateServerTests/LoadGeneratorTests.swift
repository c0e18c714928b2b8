import CreditGateClient
import CreditGateProtos
import CreditGateTestKit
import Foundation
import GRPCCore
import Synchronization
import Testing

/// The load generator behind `creditgate bench`, against a real gateway over mutual TLS.
@Suite("LoadGenerator over mutual TLS")
struct LoadGeneratorTests {
  @Test("answers are counted with their latency; a failed call only by its status, never as an answer")
  func countsAnswersAndErrors() async throws {
    try await TestGateway.withRunning { gateway in
      let generator = LoadGenerator(options: .init(connections: 2, concurrency: 4, duration: .milliseconds(800)))
      let healthy = try await generator.run(method: "health", connection: gateway.connection(as: "demo-hr-bureau")) {
        client, _ in _ = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init())
      }
      #expect(healthy.requests > 0 && healthy.errors.isEmpty)
      #expect(healthy.p50Ms > 0 && healthy.p50Ms <= healthy.p99Ms && healthy.p99Ms <= healthy.p999Ms)
      #expect(healthy.concurrency == 4 && healthy.connections == 2)

      // The bank may not use a statutory purpose: every call refused, none counted as answered.
      let refused = try await generator.run(method: "profile", connection: gateway.connection(as: "demo-bank")) {
        client, _ in
        _ = try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
          .with {
            $0.subjectCode = "330102198506150040"
            $0.purpose = "civil-servant-recruitment"
          }, metadata: ["x-operator-id": "bench"])
      }
      #expect(refused.requests == 0 && refused.rps == 0)
      #expect(refused.errors.keys.sorted() == ["PERMISSION_DENIED"] && (refused.errors["PERMISSION_DENIED"] ?? 0) > 0)
    }
  }

  @Test("open loop: calls start on their schedule, at the rate asked")
  func openLoop() async throws {
    try await TestGateway.withRunning { gateway in
      let starts = Mutex<[Int]>([])
      let generator = LoadGenerator(options: .init(connections: 1, concurrency: 4, duration: .seconds(1), rate: 50))
      let result = try await generator.run(method: "health", connection: gateway.connection(as: "demo-hr-bureau")) {
        client, index in
        starts.withLock { $0.append(index) }
        _ = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init())
      }
      // 50 per second for one second: the schedule holds 50 calls, not as many as the callers could make.
      #expect((45...50).contains(result.requests), "\(result.requests)")
      #expect(Set(starts.withLock { $0 }).count == result.requests + result.errors.values.reduce(0, +))
      #expect(result.rate == 50)
    }
  }
}
