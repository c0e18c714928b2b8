import ServiceLifecycle

/// The store as a service of the gateway's service group. The group runs it first and shuts
/// it down last: the backend is up before anything queries it (postgres-nio's client must be
/// running before its first query), and closes only after the last call's entry is committed.
/// The services that use the store wait for `ready()`.
struct StorageService: Service {
  let store: any GatewayStore
  private let readiness = Latch<Void>()

  init(store: any GatewayStore) {
    self.store = store
  }

  /// Runs the store until graceful shutdown or cancellation.
  func run() async throws {
    do {
      try await store.run(onReady: { readiness.set(.success(())) })
      readiness.set(.failure(StorageStopped()))
    } catch {
      readiness.set(.failure(error))
      throw error
    }
  }

  /// Returns once the store answers queries; throws what stopped it if it stopped first.
  func ready() async throws {
    try await readiness.value()
  }
}

/// The store stopped before it was ready.
struct StorageStopped: Error, CustomStringConvertible {
  var description: String { "the store stopped before it was ready" }
}
