@testable import CreditGateServer
import GRPCCore
import Testing

/// Deadlines past 10 s are left to the client, so that the server's memory stays bounded
/// (`GRPCDeadline` in UnknownMethods.swift: a cancelled deadline timer keeps its task's memory
/// until the deadline).
@Suite("gRPC deadlines")
struct GRPCDeadlineTests {
  @Test("grpc-timeout values parse as the gRPC wire format says", arguments: [
    ("10S", Duration?.some(.seconds(10))), ("2M", .seconds(120)), ("1H", .seconds(3600)),
    ("500m", .milliseconds(500)), ("59999982u", .microseconds(59_999_982)), ("7n", .nanoseconds(7)),
    ("", nil), ("S", nil), ("123456789S", nil), ("10s", nil), ("-1S", nil), ("1.5S", nil), ("١٠S", nil),
  ])
  func parse(_ value: String, _ expected: Duration?) {
    #expect(GRPCDeadline.parse(value) == expected)
  }

  @Test("only deadlines longer than 10 s are left to the client", arguments: [
    ("10S", false), ("10001m", true), ("60S", true), ("59999982u", true), ("5S", false), ("junk", false),
  ])
  func isLong(_ value: String, _ long: Bool) {
    #expect(GRPCDeadline.isLong(["grpc-timeout": "\(value)"]) == long)
    #expect(GRPCDeadline.isLong([:]) == false)
  }
}
