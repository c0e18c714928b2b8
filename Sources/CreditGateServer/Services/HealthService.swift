public import CreditGateProtos
import CreditGateCore
import Foundation
public import GRPCCore

/// The standard `grpc.health.v1.Health` service. It discloses nothing and load balancers call
/// it constantly, so it is the one service that is not audited (DESIGN §8).
/// Like everything else it needs a certificate of a configured institution.
public struct HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
  let authenticator: Authenticator
  let clock: @Sendable () -> Date
  let auditWriter: AuditWriter

  /// Services this gateway serves; `""` is the server as a whole.
  static let known: Set<String> = [
    "", "creditgate.v1.CreditQuery", "creditgate.v1.CreditRecords", "creditgate.v1.Consents",
    "creditgate.v1.SubjectRights", "creditgate.v1.Oversight",
  ]

  /// Creates the service from the gateway's authenticator, clock and audit writer.
  public init(gateway: Gateway) {
    self.authenticator = gateway.authenticator
    self.clock = gateway.clock
    self.auditWriter = gateway.auditWriter
  }

  /// `SERVING` only while the audit log can be written: every other call fails closed without
  /// it, and load balancers must take the instance out. After a failure, each check probes the
  /// store, so the status comes back by itself when the store does.
  private func status(of service: String) async -> Grpc_Health_V1_HealthCheckResponse.ServingStatus {
    guard Self.known.contains(service) else { return .serviceUnknown }
    return await auditWriter.probe() ? .serving : .notServing
  }

  private func authenticate(_ context: ServerContext) throws {
    if case .failure(let failure) = authenticator.authenticate(context, now: clock()) {
      throw RPCError(code: .unauthenticated, message: failure.error.message)
    }
  }

  /// `Health.Check`: to an authenticated caller, the status of one service (`""` for the whole
  /// server); `NOT_FOUND` for a service this gateway does not serve.
  public func check(
    request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext
  ) async throws -> Grpc_Health_V1_HealthCheckResponse {
    try authenticate(context)
    guard Self.known.contains(request.service) else {
      throw RPCError(code: .notFound, message: "service: unknown service")
    }
    let status = await status(of: request.service)
    return .with { $0.status = status }
  }

  /// Sends the current status; the stream then ends (a watcher re-subscribes), so that a
  /// graceful shutdown never waits on an idle watch.
  public func watch(
    request: Grpc_Health_V1_HealthCheckRequest,
    response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
    context: ServerContext
  ) async throws {
    try authenticate(context)
    let status = await status(of: request.service)
    try await response.write(.with { $0.status = status })
  }
}
