public import CreditGateSQLite

extension SQLiteStore: GatewayStore {
  /// The file is opened when the store is made (a bad path stops the start before anything
  /// listens); it is closed at shutdown, once the last call's entry is committed.
  public func run(onReady: @Sendable () -> Void) async throws {
    onReady()
    await GatewayStorage.untilShutdown()
    try await close()
  }
}
