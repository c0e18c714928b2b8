import CreditGateCore
@testable import CreditGateSQLite
import CreditGateTestKit
import Foundation
import Testing

/// Databases written by earlier versions still open: `v5-audit-origins` turns the one log of a
/// database into the log of its origin, keeping every entry, leaf hash and checkpoint.
@Suite("SQLite migrations")
struct SQLiteMigrationTests {
  static let signer = try! NoteSigner(name: Fixture.origin, privateKeyRaw: Array(repeating: 5, count: 32))

  /// A database as the version before logs per origin left it: one log of `signer`'s origin,
  /// appended through the writer in batches, each with its signed checkpoint.
  static func writeSingleLog(at path: String, entries: Int) async throws {
    let store = try SQLiteStore.open(path: path, migratingUpTo: "v4-checkpoints")
    let writer = try await AuditWriter.open(store: store, signer: signer)
    for index in 0..<entries { _ = try await writer.append(Fixture.log[index % Fixture.log.count]) }
    try await store.close()
  }

  @Test("a database with one log opens, passes the start-up check and its log goes on")
  func singleOriginLog() async throws {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    try await Self.writeSingleLog(at: directory.databasePath, entries: 6)
    // Entries written before v3 have no stored leaf hash; the checkpoints still cover them.
    let before = try SQLiteStore.open(path: directory.databasePath, migratingUpTo: "v4-checkpoints")
    try await before.executeAsOperator("UPDATE audit_entry SET leaf_hash = NULL WHERE sequence <= 2")
    let checkpoints = try await before.checkpoints(origin: Fixture.origin)
    try await before.close()

    let store = try SQLiteStore.open(path: directory.databasePath)
    #expect(try await store.size(origin: Fixture.origin) == 6)
    #expect(try await store.checkpoints(origin: Fixture.origin) == checkpoints)
    let checked = try await AuditLogCheck.run(store: store, signer: Self.signer)
    #expect(checked.tree.size == 6)
    #expect(checked.checkpoint == checkpoints.last)
    let writer = try await AuditWriter.open(store: store, signer: Self.signer)
    #expect(try await writer.append(Fixture.log[0]).sequence == 7)
    #expect(try await store.search(AuditFilter()).map(\.sequence) == Array(1...7))
  }

  @Test("a database whose one log mixes origins is refused, naming why, and left as it was")
  func mixedOriginsRefused() async throws {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    try await Self.writeSingleLog(at: directory.databasePath, entries: 4)
    // The origin was changed after the second entry, the sequence went on.
    let before = try SQLiteStore.open(path: directory.databasePath, migratingUpTo: "v4-checkpoints")
    try await before.executeAsOperator("UPDATE audit_entry SET origin = 'renamed.creditgate/log' WHERE sequence > 2")
    try await before.close()

    let error = #expect(throws: SQLiteStoreError.self) { try SQLiteStore.open(path: directory.databasePath) }
    #expect(error?.description.contains("more than one origin") == true, "\(error.map(String.init(describing:)) ?? "")")
    // Still the earlier schema: the version that wrote it can open it.
    let again = try SQLiteStore.open(path: directory.databasePath, migratingUpTo: "v4-checkpoints")
    #expect(try await again.search(AuditFilter()).count == 4)
  }
}
