public import CreditGateCore
import Foundation
import GRDB

extension SQLiteStore {
  /// Appends a batch to the log of `origin` in one transaction, each change in a savepoint of
  /// its own; the seal runs last, inside the transaction.
  public func append(_ batch: [AuditAppend], origin: String, seal: @escaping AuditSeal) async throws -> [AuditCommit] {
    // A callback write rather than `async write`: the commit must not be abandoned because the
    // task of the call that happens to lead the group commit was cancelled.
    try await accessing("append audit entries") {
      try await commit(batch, origin: origin, seal: seal)
    }
  }

  /// The transaction of `append`, on GRDB's writer queue.
  private func commit(_ batch: [AuditAppend], origin: String, seal: @escaping AuditSeal) async throws -> [AuditCommit] {
    let result: Result<[AuditCommit], any Error> = await withCheckedContinuation { continuation in
      writer.asyncWrite({ db in
        let last = try Int64.fetchOne(
          db, AuditEntryRow.filter(AuditEntryRow.Columns.origin == origin).select(max(AuditEntryRow.Columns.sequence)))
        var next = UInt64(clamping: last ?? 0) + 1
        var commits: [AuditCommit] = []
        var leaves: [StoredLeaf] = []
        // The last entry about each subject, as the batch goes on.
        var lastAboutSubject: [String: UInt64] = [:]
        let previousStatement = try db.cachedStatement(
          sql: "SELECT max(sequence) FROM audit_entry WHERE origin = ? AND subject_pseudonym = ?")
        for item in batch {
          var entry = item.entry
          var change: Result<StateChangeResult, any Error>?
          let sequence = next
          if let stateChange = item.change {
            // A savepoint per call: a change that fails is undone alone and its entry says so.
            var result = StateChangeResult.done
            do {
              try db.inSavepoint {
                result = try Self.apply(stateChange, db, sequence: sequence, origin: origin)
                return .commit
              }
              change = .success(result)
            } catch {
              change = .failure(Self.surfaced(error, "apply a state change"))
            }
          }
          if let change, let complete = item.complete { complete(change, &entry) }
          entry.origin = origin
          entry.sequence = sequence
          next += 1
          if !entry.subjectPseudonym.isEmpty {
            let previous =
              try lastAboutSubject[entry.subjectPseudonym]
              ?? Int64.fetchOne(previousStatement, arguments: [origin, entry.subjectPseudonym]).map { UInt64(clamping: $0) }
            entry.previousSubjectSequence = previous ?? 0
            lastAboutSubject[entry.subjectPseudonym] = sequence
          }
          try Self.checkStorable(entry)
          let leaf = StoredLeaf(entry: entry, leafHash: entry.leafHash)
          try AuditEntryRow(entry: entry, leafHash: leaf.leafHash).insert(db)
          commits.append(AuditCommit(entry: entry, change: change))
          leaves.append(leaf)
        }
        if let checkpoint = try seal(leaves) {
          try CheckpointRow(checkpoint).insert(db)
        }
        return commits
      }, completion: { _, result in continuation.resume(returning: result) })
    }
    return try result.get()
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

  /// Searches one log, or every log, in the order of `AuditFilter.precedes`.
  public func search(_ filter: AuditFilter) async throws -> [AuditEntry] {
    try await read("search the audit log") { db in
      try Self.request(filter).fetchAll(db).map(\.entry)
    }
  }

  /// The query of a search.
  private static func request(_ filter: AuditFilter) -> QueryInterfaceRequest<AuditEntryRow> {
    typealias Columns = AuditEntryRow.Columns
    var request = AuditEntryRow.all()
    if let afterOrigin = filter.afterOrigin {
      request = request.filter(
        sql: "(sequence, origin) > (?, ?)", arguments: [Int64(clamping: filter.afterSequence), afterOrigin])
    } else {
      request = request.filter(Columns.sequence > Int64(clamping: filter.afterSequence))
    }
    if let origin = filter.origin { request = request.filter(Columns.origin == origin) }
    if let institutionID = filter.institutionID { request = request.filter(Columns.institutionID == institutionID) }
    if let method = filter.method {
      if method.hasPrefix("/") {
        request = request.filter(Columns.method == method)
      } else {
        // Exact, case-sensitive suffix match (LIKE would ignore case).
        request = request.filter(sql: "substr(method, -length(?)) = ?", arguments: ["/" + method, "/" + method])
      }
    }
    if let outcome = filter.outcome { request = request.filter(Columns.outcome == outcome.rawValue) }
    if let purpose = filter.purpose { request = request.filter(Columns.purpose == purpose) }
    if let pseudonym = filter.subjectPseudonym { request = request.filter(Columns.subjectPseudonym == pseudonym) }
    if let from = filter.from { request = request.filter(Columns.timeUS >= from.microsecondsSince1970) }
    if let until = filter.until { request = request.filter(Columns.timeUS < until.microsecondsSince1970) }
    return request.order(Columns.sequence, Columns.origin).limit(filter.limit)
  }

  /// The number of entries in the log of `origin`.
  public func size(origin: String) async throws -> UInt64 {
    try await read("count audit entries") { db in
      UInt64(try AuditEntryRow.filter(AuditEntryRow.Columns.origin == origin).fetchCount(db))
    }
  }

  /// The log's entries after `sequence`, read in place through a cursor, without copying each
  /// row first: the start-up check reads every entry of the log through here.
  public func storedLeaves(origin: String, after sequence: UInt64, limit: Int) async throws -> [StoredLeaf] {
    try await read("read audit entries") { db in
      let rows = try AuditEntryRow
        .filter(AuditEntryRow.Columns.origin == origin && AuditEntryRow.Columns.sequence > Int64(clamping: sequence))
        .order(AuditEntryRow.Columns.sequence).limit(limit)
        .fetchCursor(db)
      var leaves: [StoredLeaf] = []
      leaves.reserveCapacity(min(limit, 10_000))
      while let row = try rows.next() { leaves.append(row.storedLeaf) }
      return leaves
    }
  }

  /// The first sequence number of the log that links (1 for a log first written after links
  /// existed).
  public func subjectChainStart(origin: String) async throws -> UInt64 {
    try await read("read where the subject links start") { db in
      let first = try Int64.fetchOne(db, sql: "SELECT first_sequence FROM subject_chain WHERE origin = ?", arguments: [origin])
      return UInt64(clamping: first ?? 1)
    }
  }

  /// Every checkpoint kept for the log of `origin`, by tree size.
  public func checkpoints(origin: String) async throws -> [SignedCheckpoint] {
    try await read("read checkpoints") { db in
      try CheckpointRow.filter(CheckpointRow.Columns.origin == origin).order(CheckpointRow.Columns.treeSize)
        .fetchAll(db).map { try $0.signedCheckpoint() }
    }
  }

  /// A page's worth of data, rolled back: fails as a real append would on a full disk, a full
  /// database (`max_page_count`) or a read-only file. Every log lives in the one file, so the
  /// probe is the same for every origin.
  public func probeWritable(origin: String) async throws {
    try await writeWithoutTransaction("probe the audit log") { db in
      try db.inTransaction(.immediate) {
        try db.execute(sql: "INSERT INTO write_probe (payload) VALUES (zeroblob(8192))")
        return .rollback
      }
    }
  }
}
