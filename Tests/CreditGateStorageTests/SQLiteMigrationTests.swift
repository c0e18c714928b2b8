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
  /// appended through the writer in batches, each with its signed checkpoint. The rows are
  /// written with that version's columns (this version's rows have more); the entries are about
  /// no subject, so their leaves are the same under both encodings.
  static func writeSingleLog(at path: String, entries: Int) async throws {
    let memory = InMemoryStore()
    let writer = try await AuditWriter.open(store: memory, signer: signer)
    for index in 0..<entries {
      var entry = Fixture.log[index % Fixture.log.count]
      entry.subjectPseudonym = ""
      _ = try await writer.append(entry)
    }
    let store = try SQLiteStore.open(path: path, migratingUpTo: "v4-checkpoints")
    func text(_ value: String) -> String { "'" + value.replacingOccurrences(of: "'", with: "''") + "'" }
    func blob(_ bytes: [UInt8]) -> String { "X'" + bytes.map { String(format: "%02x", $0) }.joined() + "'" }
    for leaf in try await memory.storedLeaves(origin: Fixture.origin, after: 0, limit: entries) {
      let e = leaf.entry
      let values = [
        String(e.sequence), text(e.origin), String(e.time.microsecondsSince1970), text(e.institutionID),
        text(e.certificateFingerprint), text(e.operatorID), text(e.method), text(e.purpose), text(e.consentID),
        text(e.subjectPseudonym), text(e.outcome.rawValue), String(e.statusCode), text(e.reason),
        text(e.categoriesDisclosed.joined(separator: ",")), String(e.recordsDisclosed), text(e.responseDigest),
        blob(leaf.leafHash),
      ]
      try await store.executeAsOperator("INSERT INTO audit_entry VALUES (\(values.joined(separator: ", ")))")
    }
    for checkpoint in try await memory.checkpoints(origin: Fixture.origin) {
      try await store.executeAsOperator(
        "INSERT INTO checkpoint VALUES (\(text(checkpoint.checkpoint.origin)), \(checkpoint.checkpoint.size), \(blob(checkpoint.checkpoint.rootHash)), \(text(checkpoint.note)))")
    }
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
    // Its rows are those of that schema (this version's rows have more columns, so the check is
    // SQL that fails — json('x') is malformed — unless the table holds the four entries).
    try await again.executeAsOperator(
      "SELECT CASE WHEN (SELECT count(*) FROM audit_entry WHERE leaf_hash IS NOT NULL) = 4 THEN 1 ELSE json('x') END")
  }

  @Test("a log written before subject links existed: links start after it, and its access log still verifies")
  func chainStartsAfterOldEntries() async throws {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    let old = try SQLiteStore.open(path: directory.databasePath, migratingUpTo: "v5-audit-origins")
    // Three entries about one subject, as that version stored them: without links.
    for sequence in 1...3 {
      var entry = Fixture.entry(institution: "demo-bank", method: Fixture.getProfile, subject: "aaaa", at: Double(sequence))
      entry.sequence = UInt64(sequence)
      let hash = entry.leafHash.map { String(format: "%02x", $0) }.joined()
      try await old.executeAsOperator(
        """
        INSERT INTO audit_entry (origin, sequence, time_us, institution_id, certificate_fingerprint, operator_id,
          method, purpose, consent_id, subject_pseudonym, outcome, status_code, reason, categories_disclosed,
          records_disclosed, response_digest, leaf_hash)
        VALUES ('\(Fixture.origin)', \(sequence), \(entry.time.microsecondsSince1970), 'demo-bank', 'sha256:ab12', 'operator-7',
          '\(Fixture.getProfile)', '', '', 'aaaa', 'ANSWERED', 0, '', 'fraud,loan-default', 2, 'd1g3st', X'\(hash)')
        """)
    }
    try await old.close()

    let store = try SQLiteStore.open(path: directory.databasePath)
    #expect(try await store.subjectChainStart(origin: Fixture.origin) == 4)
    #expect(try await store.subjectChainStart(origin: "new.creditgate/log") == 1, "a log first written now links from 1")
    let writer = try await AuditWriter.open(store: store, signer: Self.signer)
    let next = try await writer.append(
      Fixture.entry(institution: "demo-bank", method: Fixture.getProfile, subject: "aaaa", at: 9))
    #expect(next.sequence == 4 && next.previousSubjectSequence == 3)

    let checkpoint = try #require(writer.checkpoint).checkpoint
    let entries = try await store.search(AuditFilter(subjectPseudonym: "aaaa"))
    let items = try entries.map { entry in
      AccessLogVerification.Item(
        sequence: entry.sequence, origin: entry.origin, subjectPseudonym: entry.subjectPseudonym,
        previousSubjectSequence: entry.previousSubjectSequence, leafHash: entry.leafHash,
        proof: try writer.withTree { try $0.inclusionProof(leafIndex: entry.sequence - 1, treeSize: checkpoint.size) },
        treeSize: checkpoint.size)
    }
    #expect(AccessLogVerification.problems(items, checkpoint: checkpoint, chainStart: 4).isEmpty)
    // Without the chain's start, the old entries' missing links would read as omissions.
    #expect(AccessLogVerification.problems(items, checkpoint: checkpoint).count == 2)
    try await store.close()
  }
}
