public import CreditGateCore

/// Everything a gateway stores, in one backend (so that a call's change and its audit entry
/// commit in one transaction), with the backend's lifecycle: the gateway's service group runs
/// it (`StorageService`) before anything queries it and stops it after the last call.
public protocol GatewayStore: CreditStore, ConsentStore, AuditLogStore, CaseStore, SuspensionStore {
  /// Runs the backend for as long as the gateway serves: starts what it needs (a connection
  /// pool, say), calls `onReady` once it answers queries, and returns at graceful shutdown or
  /// when cancelled, after closing what it opened.
  func run(onReady: @Sendable () -> Void) async throws
}

extension GatewayStore {
  /// A backend with nothing to start or close: ready at once, until shutdown.
  public func run(onReady: @Sendable () -> Void) async throws {
    onReady()
    await GatewayStorage.untilShutdown()
  }
}
