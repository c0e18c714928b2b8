public import CreditGateCore
import Foundation
public import GRDB
import Synchronization

/// The embedded storage backend: one type owns the SQLite database and its migrations, over
/// any GRDB writer. The gateway opens a file with `open(path:)`: WAL mode (concurrent readers,
/// one writer) and synchronous commits (`synchronous = FULL` on the writer), so that when a
/// write returns it survives a crash or a power cut, which the audit log's fail-closed rule
/// depends on. Tests can use `inMemory()`.
///
/// What GRDB or SQLite throw reaches callers as `StorageError`, naming the operation; a value
/// this version cannot read throws `StoredValueError`; errors of the callers' closures (an audit
/// seal) pass through unchanged.
public final class SQLiteStore: CreditStore, AuditLogStore, ConsentStore, CaseStore, SuspensionStore {
  let writer: any DatabaseWriter
  let access = Mutex(Access.open(inFlight: 0))

  /// A store over `writer`, whose database is migrated to the current schema first.
  public convenience init(_ writer: any DatabaseWriter) throws {
    try self.init(writer, migratingUpTo: nil)
  }

  /// A store over `writer`, migrated up to `migration` (all of them if nil): tests build a
  /// database as an earlier version left it.
  init(_ writer: any DatabaseWriter, migratingUpTo migration: String?) throws {
    self.writer = writer
    do {
      if let migration {
        try Self.migrator.migrate(writer, upTo: migration)
      } else if try !writer.read(Self.migrator.hasCompletedMigrations) {
        try Self.migrator.migrate(writer)
        // A migration that rebuilds a table passes the whole database through the WAL, which
        // keeps its size until it is truncated. Housekeeping only: another process reading the
        // file may hold it up, and then the WAL is truncated another time.
        try? writer.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
      }
    } catch {
      throw Self.surfaced(error, "migrate the database")
    }
  }

  /// Opens (creating if needed) the database file at `path` as the gateway runs it, and
  /// migrates it. The file is created readable by its owner only; SQLite gives its WAL and
  /// shared-memory files the same mode.
  public static func open(path: String) throws -> SQLiteStore {
    try open(path: path, migratingUpTo: nil)
  }

  /// How commits reach the disk.
  public enum Durability: Sendable {
    /// `synchronous = FULL`: every commit is flushed before it returns (the gateway's rule).
    case full
    /// `synchronous = NORMAL` in WAL mode: commits are flushed at WAL checkpoints only. A commit
    /// survives a crash of the process but not a power cut. For benchmark comparisons only.
    case relaxed
  }

  /// `open(path:)` with the given durability, read back from the writer.
  public static func open(path: String, durability: Durability) throws -> SQLiteStore {
    try open(path: path, migratingUpTo: nil, durability: durability)
  }

  /// `open(path:)`, migrated up to `migration` (all of them if nil).
  static func open(path: String, migratingUpTo migration: String?, durability: Durability = .full) throws
    -> SQLiteStore
  {
    let (pragma, expected) = durability == .full ? ("FULL", synchronousFull) : ("NORMAL", synchronousNormal)
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    let directory = URL(filePath: path).deletingLastPathComponent()
    try FileManager.default.createDirectory(
      at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    try createOwnerOnly(path)
    let pool: DatabasePool
    let synchronous: Int?
    do {
      pool = try DatabasePool(path: path, configuration: configuration)
      // Not in `prepareDatabase`: GRDB's pool sets `synchronous = NORMAL` on its writer after
      // that, when it turns WAL on. Set it on the writer itself, once open, and read it back.
      synchronous = try pool.writeWithoutTransaction { db in
        try db.execute(sql: "PRAGMA synchronous = \(pragma)")
        return try Int.fetchOne(db, sql: "PRAGMA synchronous")
      }
    } catch {
      throw surfaced(error, "open \(path)")
    }
    guard synchronous == expected else {
      throw SQLiteStoreError("\(path): PRAGMA synchronous is \(synchronous ?? -1) on the writer, expected \(pragma) (\(expected))")
    }
    return try SQLiteStore(pool, migratingUpTo: migration)
  }

  /// A fresh, empty store in memory (a `DatabaseQueue`), for tests.
  public static func inMemory() throws -> SQLiteStore {
    do {
      return try SQLiteStore(DatabaseQueue())
    } catch {
      throw surfaced(error, "open an in-memory database")
    }
  }

  /// `PRAGMA synchronous` reads 2 for FULL.
  static let synchronousFull = 2
  static let synchronousNormal = 1

  /// The writer connection's `PRAGMA synchronous`, as it stands: 2 (FULL) on a store that
  /// flushes every commit.
  public func writerSynchronous() async throws -> Int {
    try await writeWithoutTransaction("read PRAGMA synchronous") { db in
      try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
    }
  }

  /// The database's size in pages (`PRAGMA page_count`).
  public func pageCount() async throws -> Int {
    try await read("read PRAGMA page_count") { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
  }

  /// Runs SQL against the database as its operator could, behind the gateway's back: for tests
  /// of the start-up check and of fail-closed behaviour (e.g. `PRAGMA max_page_count`).
  public func executeAsOperator(_ sql: String) async throws {
    try await writeWithoutTransaction("run the operator's SQL") { db in try db.execute(sql: sql) }
  }

  // MARK: - Access

  /// A read (see `accessing`).
  func read<T: Sendable>(_ operation: String, _ body: @Sendable (Database) throws -> T) async throws -> T {
    try await accessing(operation) { try await writer.read(body) }
  }

  /// A write transaction (see `accessing`).
  func write<T: Sendable>(_ operation: String, _ body: @Sendable (Database) throws -> T) async throws -> T {
    try await accessing(operation) { try await writer.write(body) }
  }

  /// A write outside a transaction, for pragmas or a transaction the body opens itself (see
  /// `accessing`).
  func writeWithoutTransaction<T: Sendable>(
    _ operation: String, _ body: @Sendable (Database) throws -> T
  ) async throws -> T {
    try await accessing(operation) { try await writer.writeWithoutTransaction(body) }
  }

  /// What the store throws for `error`: GRDB's and SQLite's errors become `StorageError`
  /// (the backend cannot be read or written); any other error — a `StoredValueError`, the
  /// caller's own, a cancellation — is thrown as it is.
  static func surfaced(_ error: any Error, _ operation: String) -> any Error {
    switch error {
    case is DatabaseError, is RowDecodingError, is RecordError: return StorageError(operation, underlying: error)
    default: return error
    }
  }
}

/// Creates the database file with mode 0600 if it does not exist, and tightens it if it does.
/// (Outside the type, whose `open` and `close` would hide the system calls.)
private func createOwnerOnly(_ path: String) throws {
  let descriptor = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
  guard descriptor >= 0 else { throw SQLiteStoreError("\(path): cannot create the database file (errno \(errno))") }
  close(descriptor)
  guard chmod(path, 0o600) == 0 else { throw SQLiteStoreError("\(path): cannot set mode 0600 (errno \(errno))") }
}
