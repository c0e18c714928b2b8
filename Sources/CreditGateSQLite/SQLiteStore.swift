public import CreditGateCore
public import Foundation
import GRDB

/// The embedded storage backend: one SQLite file in WAL mode (concurrent readers, one writer),
/// opened through GRDB. Commits are synchronous (`synchronous = FULL` on the writer): when a
/// write returns, it survives a crash or a power cut, which the audit log's fail-closed rule
/// depends on.
public final class SQLiteStore: CreditStore, AuditLogStore, ConsentStore {
  private let pool: DatabasePool

  /// Opens (creating if needed) the database at `path` and migrates it. The file is created
  /// readable by its owner only; SQLite gives its WAL and shared-memory files the same mode.
  public init(path: String) throws {
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    let directory = URL(filePath: path).deletingLastPathComponent()
    try FileManager.default.createDirectory(
      at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    try Self.createOwnerOnly(path)
    self.pool = try DatabasePool(path: path, configuration: configuration)
    // Not in `prepareDatabase`: GRDB's pool sets `synchronous = NORMAL` on its writer after
    // that, when it turns WAL on. Set it on the writer itself, once open, and read it back.
    let synchronous = try pool.writeWithoutTransaction { db in
      try db.execute(sql: "PRAGMA synchronous = FULL")
      return try Int.fetchOne(db, sql: "PRAGMA synchronous")
    }
    guard synchronous == Self.synchronousFull else {
      throw SQLiteStoreError("\(path): PRAGMA synchronous is \(synchronous ?? -1) on the writer, expected FULL (2)")
    }
    try Self.migrator.migrate(pool)
  }

  /// `PRAGMA synchronous` reads 2 for FULL.
  static let synchronousFull = 2

  /// The writer connection's `PRAGMA synchronous`, as it stands: 2 (FULL) on a store that
  /// flushes every commit.
  public func writerSynchronous() async throws -> Int {
    try await pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
  }

  /// The database's size in pages (`PRAGMA page_count`).
  public func pageCount() async throws -> Int {
    try await pool.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
  }

  /// Creates the database file with mode 0600 if it does not exist, and tightens it if it does.
  private static func createOwnerOnly(_ path: String) throws {
    let descriptor = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw SQLiteStoreError("\(path): cannot create the database file (errno \(errno))") }
    close(descriptor)
    guard chmod(path, 0o600) == 0 else { throw SQLiteStoreError("\(path): cannot set mode 0600 (errno \(errno))") }
  }

  private static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1") { db in
      try db.execute(
        sql: """
          CREATE TABLE subject (
            code TEXT PRIMARY KEY NOT NULL,
            kind TEXT NOT NULL,
            name TEXT NOT NULL
          );
          CREATE TABLE record (
            id TEXT PRIMARY KEY NOT NULL,
            provider_id TEXT NOT NULL,
            provider_record_id TEXT NOT NULL,
            subject_code TEXT NOT NULL REFERENCES subject(code),
            category TEXT NOT NULL,
            severity TEXT,
            title TEXT NOT NULL,
            document_number TEXT NOT NULL,
            act_date INTEGER NOT NULL,
            decided_on INTEGER NOT NULL,
            act_ended_on INTEGER,
            disclosure_until INTEGER NOT NULL,
            status TEXT NOT NULL,
            version INTEGER NOT NULL,
            UNIQUE (provider_id, provider_record_id)
          );
          CREATE INDEX record_subject ON record(subject_code, decided_on);
          CREATE TABLE audit_entry (
            sequence INTEGER PRIMARY KEY NOT NULL,
            origin TEXT NOT NULL,
            time_us INTEGER NOT NULL,
            institution_id TEXT NOT NULL,
            certificate_fingerprint TEXT NOT NULL,
            operator_id TEXT NOT NULL,
            method TEXT NOT NULL,
            purpose TEXT NOT NULL,
            consent_id TEXT NOT NULL,
            subject_pseudonym TEXT NOT NULL,
            outcome TEXT NOT NULL,
            status_code INTEGER NOT NULL,
            reason TEXT NOT NULL,
            categories_disclosed TEXT NOT NULL,
            records_disclosed INTEGER NOT NULL,
            response_digest TEXT NOT NULL
          );
          CREATE INDEX audit_institution ON audit_entry(institution_id, sequence);
          CREATE INDEX audit_time ON audit_entry(time_us);
          CREATE INDEX audit_subject ON audit_entry(subject_pseudonym, sequence);
          """)
    }
    migrator.registerMigration("v2-consents") { db in
      try db.execute(
        sql: """
          CREATE TABLE consent (
            id TEXT PRIMARY KEY NOT NULL,
            subject_code TEXT NOT NULL,
            grantee_id TEXT NOT NULL,
            purpose TEXT NOT NULL,
            categories TEXT NOT NULL,
            valid_from_us INTEGER NOT NULL,
            valid_until_us INTEGER NOT NULL,
            max_uses INTEGER NOT NULL,
            uses INTEGER NOT NULL,
            evidence_digest TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            revoked_at_us INTEGER
          );
          CREATE INDEX consent_subject ON consent(subject_code);
          """)
    }
    migrator.registerMigration("v3-leaf-hash") { db in
      // The leaf hash as computed when the entry was appended (RFC 9162 leaf of its
      // deterministic encoding). An entry changed later no longer matches it.
      try db.execute(sql: "ALTER TABLE audit_entry ADD COLUMN leaf_hash BLOB")
    }
    migrator.registerMigration("v4-checkpoints") { db in
      // Every signed checkpoint, stored in the transaction of the batch it covers; and a table
      // that `probeWritable` writes to and rolls back.
      try db.execute(
        sql: """
          CREATE TABLE checkpoint (
            origin TEXT NOT NULL,
            tree_size INTEGER NOT NULL,
            root_hash BLOB NOT NULL,
            note TEXT NOT NULL,
            PRIMARY KEY (origin, tree_size)
          );
          CREATE TABLE write_probe (payload BLOB);
          """)
    }
    return migrator
  }

  // MARK: - Subjects and records

  public func registerSubjects(_ subjects: [Subject]) async throws {
    _ = try await pool.write { db in try Self.apply(.registerSubjects(subjects), db) }
  }

  public func subject(code: String) async throws -> Subject? {
    try await pool.read { db in
      try Row.fetchOne(db, sql: "SELECT code, kind, name FROM subject WHERE code = ?", arguments: [code])
        .map { row in Subject(code: row[0], kind: SubjectKind(rawValue: row[1]) ?? .person, name: row[2]) }
    }
  }

  public func subjectKinds(codes: [String]) async throws -> [String: SubjectKind] {
    try await pool.read { db in
      var kinds: [String: SubjectKind] = [:]
      let statement = try db.cachedStatement(sql: "SELECT kind FROM subject WHERE code = ?")
      for code in codes {
        if let kind = try String.fetchOne(statement, arguments: [code]) {
          kinds[code] = SubjectKind(rawValue: kind)
        }
      }
      return kinds
    }
  }

  public func submitRecords(_ records: [RecordContent]) async throws -> [CreditRecord] {
    guard case .records(let stored) = try await pool.write({ db in try Self.apply(.submitRecords(records), db) })
    else { return [] }
    return stored
  }

  /// Applies a state change inside the caller's transaction.
  private static func apply(_ change: StateChange, _ db: Database) throws -> StateChangeResult {
    switch change {
    case .registerSubjects(let subjects):
      let statement = try db.cachedStatement(
        sql: """
          INSERT INTO subject (code, kind, name) VALUES (?, ?, ?)
          ON CONFLICT(code) DO UPDATE SET name = excluded.name
          """)
      for subject in subjects {
        try statement.execute(arguments: [subject.code, subject.kind.rawValue, subject.name])
      }
      return .done
    case .submitRecords(let contents):
      return .records(try contents.map { try upsert($0, db) })
    case .insertConsent(let consent):
      try db.execute(
        sql: """
          INSERT INTO consent (id, subject_code, grantee_id, purpose, categories, valid_from_us,
            valid_until_us, max_uses, uses, evidence_digest, recorded_by, revoked_at_us)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [
          consent.id, consent.subjectCode, consent.granteeID, consent.purpose,
          consent.categories.joined(separator: ","), microseconds(consent.validFrom),
          microseconds(consent.validUntil), consent.maxUses, consent.uses,
          consent.evidenceDigest, consent.recordedBy, consent.revokedAt.map(microseconds),
        ])
      return .done
    case .revokeConsent(let id, let at):
      try db.execute(
        sql: "UPDATE consent SET revoked_at_us = ? WHERE id = ? AND revoked_at_us IS NULL",
        arguments: [microseconds(at), id])
      return .consent(try fetchConsent(db, id: id))
    }
  }

  private static func upsert(_ content: RecordContent, _ db: Database) throws -> CreditRecord {
    let id = content.recordID
    let existing = try fetchRecord(db, id: id)
    let stored: CreditRecord
    if let existing {
      if existing.content == content { return existing }
      stored = CreditRecord(id: id, content: content, status: existing.status, version: existing.version + 1)
    } else {
      stored = CreditRecord(id: id, content: content, status: .active, version: 1)
    }
    try db.execute(
      sql: """
        INSERT OR REPLACE INTO record (id, provider_id, provider_record_id, subject_code,
          category, severity, title, document_number, act_date, decided_on, act_ended_on,
          disclosure_until, status, version)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
      arguments: [
        stored.id, content.providerID, content.providerRecordID, content.subjectCode,
        content.category, content.severity?.rawValue, content.title, content.documentNumber,
        content.actDate.dayNumber, content.decidedOn.dayNumber,
        content.actEndedOn?.dayNumber, content.disclosureUntil.dayNumber,
        stored.status.rawValue, stored.version,
      ])
    return stored
  }

  public func records(subjectCode: String) async throws -> [CreditRecord] {
    try await pool.read { db in
      try Row.fetchAll(
        db, sql: "SELECT * FROM record WHERE subject_code = ? ORDER BY decided_on, id",
        arguments: [subjectCode]
      ).map(Self.record(from:))
    }
  }

  public func record(id: String) async throws -> CreditRecord? {
    try await pool.read { db in try Self.fetchRecord(db, id: id) }
  }

  public func subjectCount() async throws -> Int {
    try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subject") ?? 0 }
  }

  private static func fetchRecord(_ db: Database, id: String) throws -> CreditRecord? {
    try Row.fetchOne(db, sql: "SELECT * FROM record WHERE id = ?", arguments: [id])
      .map(record(from:))
  }

  private static func record(from row: Row) -> CreditRecord {
    let severity: String? = row["severity"]
    let ended: Int? = row["act_ended_on"]
    let content = RecordContent(
      providerID: row["provider_id"], providerRecordID: row["provider_record_id"],
      subjectCode: row["subject_code"], category: row["category"],
      severity: severity.flatMap(Severity.init(rawValue:)), title: row["title"],
      documentNumber: row["document_number"], actDate: LocalDate(dayNumber: row["act_date"]),
      decidedOn: LocalDate(dayNumber: row["decided_on"]),
      actEndedOn: ended.map(LocalDate.init(dayNumber:)),
      disclosureUntil: LocalDate(dayNumber: row["disclosure_until"]))
    return CreditRecord(
      id: row["id"], content: content,
      status: RecordStatus(rawValue: row["status"]) ?? .active, version: row["version"])
  }

  // MARK: - Audit log

  public func append(_ batch: [AuditAppend], seal: @escaping AuditSeal) async throws -> [AuditCommit] {
    // A callback write rather than `async write`: the commit must not be abandoned because the
    // task of the call that happens to lead the group commit was cancelled.
    try await withCheckedThrowingContinuation { continuation in
      pool.asyncWrite({ db in
        var next = (try UInt64.fetchOne(db, sql: "SELECT MAX(sequence) FROM audit_entry") ?? 0) + 1
        let statement = try db.cachedStatement(
          sql: """
            INSERT INTO audit_entry (sequence, origin, time_us, institution_id,
              certificate_fingerprint, operator_id, method, purpose, consent_id,
              subject_pseudonym, outcome, status_code, reason, categories_disclosed,
              records_disclosed, response_digest, leaf_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var commits: [AuditCommit] = []
        var leaves: [StoredLeaf] = []
        for item in batch {
          var entry = item.entry
          var change: Result<StateChangeResult, any Error>?
          if let stateChange = item.change {
            // A savepoint per call: a change that fails is undone alone and its entry says so.
            var result = StateChangeResult.done
            do {
              try db.inSavepoint {
                result = try Self.apply(stateChange, db)
                return .commit
              }
              change = .success(result)
            } catch {
              change = .failure(error)
            }
          }
          if let change, let complete = item.complete { complete(change, &entry) }
          entry.sequence = next
          next += 1
          try Self.checkStorable(entry)
          let leaf = StoredLeaf(entry: entry, leafHash: entry.leafHash)
          try statement.execute(arguments: [
            Int64(clamping: entry.sequence), entry.origin, Self.microseconds(entry.time),
            entry.institutionID, entry.certificateFingerprint, entry.operatorID, entry.method,
            entry.purpose, entry.consentID, entry.subjectPseudonym, entry.outcome.rawValue,
            entry.statusCode, entry.reason, entry.categoriesDisclosed.joined(separator: ","),
            entry.recordsDisclosed, entry.responseDigest, Data(leaf.leafHash),
          ])
          commits.append(AuditCommit(entry: entry, change: change))
          leaves.append(leaf)
        }
        if let checkpoint = try seal(leaves) {
          try db.execute(
            sql: "INSERT INTO checkpoint (origin, tree_size, root_hash, note) VALUES (?, ?, ?, ?)",
            arguments: [
              checkpoint.checkpoint.origin, Int64(clamping: checkpoint.checkpoint.size),
              Data(checkpoint.checkpoint.rootHash), checkpoint.note,
            ])
        }
        return commits
      }, completion: { _, result in continuation.resume(with: result) })
    }
  }

  /// SQLite binds a string as C text, so a NUL byte would cut what is stored short of what was
  /// hashed. The gateway refuses such input; this is the store's own guard.
  private static func checkStorable(_ entry: AuditEntry) throws {
    let texts = [
      entry.origin, entry.institutionID, entry.certificateFingerprint, entry.operatorID, entry.method,
      entry.purpose, entry.consentID, entry.subjectPseudonym, entry.reason, entry.responseDigest,
    ] + entry.categoriesDisclosed
    if texts.contains(where: { $0.utf8.contains(0) }) {
      throw SQLiteStoreError("audit entry holds a NUL byte; it would not be stored as hashed")
    }
    if entry.categoriesDisclosed.contains(where: { $0.contains(",") }) {
      throw SQLiteStoreError("audit entry holds a category with a comma; it would not be stored as hashed")
    }
  }

  public func search(_ filter: AuditFilter) async throws -> [AuditEntry] {
    var clauses = ["sequence > ?"]
    var arguments: StatementArguments = [Int64(clamping: filter.afterSequence)]
    func add(_ clause: String, _ value: (any DatabaseValueConvertible)?) {
      guard let value else { return }
      clauses.append(clause)
      arguments += [value]
    }
    add("institution_id = ?", filter.institutionID)
    if let method = filter.method {
      if method.hasPrefix("/") {
        add("method = ?", method)
      } else {
        // Exact, case-sensitive suffix match (LIKE would ignore case).
        clauses.append("substr(method, -length(?)) = ?")
        arguments += ["/" + method, "/" + method]
      }
    }
    add("outcome = ?", filter.outcome?.rawValue)
    add("purpose = ?", filter.purpose)
    add("subject_pseudonym = ?", filter.subjectPseudonym)
    add("time_us >= ?", filter.from.map(Self.microseconds))
    add("time_us < ?", filter.until.map(Self.microseconds))
    let sql = "SELECT \(Self.entryColumns) FROM audit_entry WHERE \(clauses.joined(separator: " AND ")) ORDER BY sequence LIMIT ?"
    arguments += [filter.limit]
    let query = sql
    let queryArguments = arguments
    return try await pool.read { db in
      try Row.fetchAll(db, sql: query, arguments: queryArguments).map(Self.entry(from:))
    }
  }

  public func storedLeaves(after sequence: UInt64, limit: Int) async throws -> [StoredLeaf] {
    try await pool.read { db in
      // A cursor reads each row in place, without copying it first (the start-up check reads
      // every entry of the log through here).
      let rows = try Row.fetchCursor(
        db, sql: "SELECT \(Self.entryColumns), leaf_hash FROM audit_entry WHERE sequence > ? ORDER BY sequence LIMIT ?",
        arguments: [Int64(clamping: sequence), limit])
      var leaves: [StoredLeaf] = []
      leaves.reserveCapacity(min(limit, 10_000))
      while let row = try rows.next() {
        let entry = Self.entry(from: row)
        // Entries written before the column existed have none; the checkpoints still cover them.
        let stored: Data? = row[Self.entryColumnCount]
        leaves.append(StoredLeaf(entry: entry, leafHash: stored.map { Array($0) } ?? entry.leafHash))
      }
      return leaves
    }
  }

  public func checkpoints(origin: String) async throws -> [SignedCheckpoint] {
    try await pool.read { db in
      try Row.fetchAll(
        db, sql: "SELECT tree_size, root_hash, note FROM checkpoint WHERE origin = ? ORDER BY tree_size",
        arguments: [origin]
      ).map { row in
        let size: Int64 = row["tree_size"]
        let root: Data = row["root_hash"]
        return SignedCheckpoint(
          checkpoint: try Checkpoint(origin: origin, size: UInt64(clamping: size), rootHash: Array(root)),
          note: row["note"])
      }
    }
  }

  public func probeWritable() async throws {
    // A page's worth of data, rolled back: fails as a real append would on a full disk, a full
    // database (`max_page_count`) or a read-only file.
    try await pool.writeWithoutTransaction { db in
      try db.inTransaction(.immediate) {
        try db.execute(sql: "INSERT INTO write_probe (payload) VALUES (zeroblob(8192))")
        return .rollback
      }
    }
  }

  /// Runs SQL against the database as its operator could, behind the gateway's back: for tests
  /// of the start-up check and of fail-closed behaviour (e.g. `PRAGMA max_page_count`).
  public func executeAsOperator(_ sql: String) async throws {
    try await pool.writeWithoutTransaction { db in try db.execute(sql: sql) }
  }

  public func size() async throws -> UInt64 {
    try await pool.read { db in
      try UInt64.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_entry") ?? 0
    }
  }

  /// The columns of an entry, in the order `entry(from:)` reads them: by position, since a
  /// lookup by name costs more than the rest of reading a row (the start-up check reads them all).
  private static let entryColumns = """
    sequence, origin, time_us, institution_id, certificate_fingerprint, operator_id, method, \
    purpose, consent_id, subject_pseudonym, outcome, status_code, reason, categories_disclosed, \
    records_disclosed, response_digest
    """
  private static let entryColumnCount = 16

  private static func entry(from row: Row) -> AuditEntry {
    let sequence: Int64 = row[0]
    let micros: Int64 = row[2]
    let outcome: String = row[10]
    let categories: String = row[13]
    return AuditEntry(
      sequence: UInt64(clamping: sequence), origin: row[1],
      time: Date(timeIntervalSince1970: Double(micros) / 1_000_000),
      institutionID: row[3], certificateFingerprint: row[4], operatorID: row[5], method: row[6],
      purpose: row[7], consentID: row[8], subjectPseudonym: row[9],
      outcome: AuditOutcome(rawValue: outcome) ?? .failed, statusCode: row[11], reason: row[12],
      categoriesDisclosed: categories.isEmpty ? [] : categories.split(separator: ",").map(String.init),
      recordsDisclosed: row[14], responseDigest: row[15])
  }

  /// Microseconds since 1970, clamped to what an `Int64` holds (no trap on any `Date`).
  static func microseconds(_ date: Date) -> Int64 {
    let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
    guard micros.isFinite else { return micros > 0 ? .max : .min }
    return Int64(exactly: micros) ?? (micros > 0 ? .max : .min)
  }

  // MARK: - Consents

  public func insertConsent(_ consent: Consent) async throws {
    _ = try await pool.write { db in try Self.apply(.insertConsent(consent), db) }
  }

  public func consent(id: String) async throws -> Consent? {
    try await pool.read { db in try Self.fetchConsent(db, id: id) }
  }

  public func consents(subjectCode: String) async throws -> [Consent] {
    try await pool.read { db in
      try Row.fetchAll(
        db, sql: "SELECT * FROM consent WHERE subject_code = ? ORDER BY valid_from_us DESC, id DESC",
        arguments: [subjectCode]
      ).map(Self.consent(from:))
    }
  }

  public func revokeConsent(id: String, at: Date) async throws -> Consent? {
    guard case .consent(let consent) = try await pool.write({ db in try Self.apply(.revokeConsent(id: id, at: at), db) })
    else { return nil }
    return consent
  }

  public func useConsent(
    id: String, now: @Sendable () -> Date, check: @Sendable (Consent?, Date) -> ConsentRules.Refusal?
  ) async throws -> ConsentRules.Refusal? {
    // One write transaction: no other query can spend the same use in between, and `now` is
    // read after the write lock is held, so a revocation committed before it is seen.
    try await pool.write { db in
      if let refusal = check(try Self.fetchConsent(db, id: id), now()) { return refusal }
      try db.execute(sql: "UPDATE consent SET uses = uses + 1 WHERE id = ?", arguments: [id])
      return nil
    }
  }

  private static func fetchConsent(_ db: Database, id: String) throws -> Consent? {
    try Row.fetchOne(db, sql: "SELECT * FROM consent WHERE id = ?", arguments: [id]).map(consent(from:))
  }

  private static func consent(from row: Row) -> Consent {
    func date(_ column: String) -> Date? {
      let micros: Int64? = row[column]
      return micros.map { Date(timeIntervalSince1970: Double($0) / 1_000_000) }
    }
    let categories: String = row["categories"]
    return Consent(
      id: row["id"], subjectCode: row["subject_code"], granteeID: row["grantee_id"],
      purpose: row["purpose"],
      categories: categories.isEmpty ? [] : categories.split(separator: ",").map(String.init),
      validFrom: date("valid_from_us") ?? .distantPast, validUntil: date("valid_until_us") ?? .distantPast,
      maxUses: row["max_uses"], uses: row["uses"], evidenceDigest: row["evidence_digest"],
      recordedBy: row["recorded_by"], revokedAt: date("revoked_at_us"))
  }
}

/// The SQLite store could not do what was asked; the message names the file or the reason.
public struct SQLiteStoreError: Error, CustomStringConvertible {
  public var description: String

  init(_ description: String) {
    self.description = description
  }
}
