public import CreditGateCore
import CreditGateSQLite

/// Everything a gateway stores, in one backend.
public typealias GatewayStore = CreditStore & ConsentStore & AuditLogStore

/// Opens storage backends by URL.
public enum GatewayStorage {
  /// Opens the store a storage URL names: `sqlite:PATH`, or `memory:` for a throw-away store.
  public static func open(_ url: String) throws -> any GatewayStore {
    if url.hasPrefix("sqlite:") {
      return try SQLiteStore.open(path: String(url.dropFirst("sqlite:".count)))
    }
    if url == "memory:" {
      return InMemoryStore()
    }
    throw ConfigurationError("storage: \"\(url)\" is not sqlite:PATH or memory:")
  }
}
