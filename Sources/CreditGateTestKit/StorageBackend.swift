public import CreditGateCore
import CreditGateSQLite
import Foundation

/// The storage backends under test: every conformance suite runs against each of them (DESIGN
/// §1), from this one list.
public enum StorageBackend: String, CaseIterable, Sendable, CustomStringConvertible {
  /// The reference semantics.
  case inMemory = "in-memory"
  /// SQLite in an in-memory `DatabaseQueue`, as unit tests use it.
  case sqliteInMemory = "SQLite in memory"
  /// A SQLite file opened as the gateway opens it: a `DatabasePool` in WAL mode, `synchronous = FULL`.
  case sqliteFile = "SQLite file"

  /// The backend's name in test results.
  public var description: String { rawValue }

  /// What the suites test: the storage protocols of the domain.
  public typealias Store = any CreditStore & ConsentStore & AuditLogStore & CaseStore & SuspensionStore

  /// Runs `body` against a fresh, empty store of this backend, then removes what it left on disk.
  public func withStore<Result>(_ body: (Store) async throws -> Result) async throws -> Result {
    switch self {
    case .inMemory:
      return try await body(InMemoryStore())
    case .sqliteInMemory:
      return try await body(SQLiteStore.inMemory())
    case .sqliteFile:
      let directory = TemporaryDirectory()
      defer { directory.remove() }
      return try await body(SQLiteStore.open(path: directory.databasePath))
    }
  }
}
