import CreditGateCore
import CreditGateSQLite
import ServiceLifecycle

/// Opens storage backends by URL.
public enum GatewayStorage {
  /// Opens the store a storage URL names: `sqlite:PATH`, or `memory:` for a throw-away store.
  /// A gateway runs it (`GatewayServer`); a command that uses it on its own runs it with
  /// `withStore`.
  /// `relaxedDurability` opens SQLite with its commits flushed at WAL checkpoints only (for the
  /// benchmark's comparison; never the default).
  public static func open(_ url: String, relaxedDurability: Bool = false) throws -> any GatewayStore {
    if url.hasPrefix("sqlite:") {
      return try SQLiteStore.open(
        path: String(url.dropFirst("sqlite:".count)), durability: relaxedDurability ? .relaxed : .full)
    }
    if url == "memory:" {
      return InMemoryStore()
    }
    throw ConfigurationError("storage: \"\(url)\" is not sqlite:PATH or memory:")
  }

  /// Returns at the graceful shutdown of the store's service, or when the task is cancelled:
  /// what a backend's `run` waits for before it closes.
  public static func untilShutdown() async {
    try? await gracefulShutdown()
  }

  /// Opens the store a storage URL names and runs `body` while the store runs, then stops and
  /// closes it: for commands that use a store without a gateway (`audit check`).
  public static func withStore<Result: Sendable>(
    _ url: String, _ body: (any GatewayStore) async throws -> Result
  ) async throws -> Result {
    let storage = StorageService(store: try open(url))
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await storage.run() }
      defer { group.cancelAll() }
      try await storage.ready()
      return try await body(storage.store)
    }
  }
}
