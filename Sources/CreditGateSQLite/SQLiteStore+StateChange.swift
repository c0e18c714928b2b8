import CreditGateCore
import GRDB

extension SQLiteStore {
  /// Applies a state change inside the caller's transaction, for the audit entry `sequence` of
  /// the log of `origin`.
  static func apply(_ change: StateChange, _ db: Database, sequence: UInt64 = 0, origin: String = "") throws
    -> StateChangeResult
  {
    switch change {
    case .registerSubjects(let subjects):
      for subject in subjects { try SubjectRow(subject).register(db) }
      return .done
    case .submitRecords(let contents):
      return .records(try contents.map { try upsert($0, db) })
    case .insertConsent(let consent):
      try ConsentRow(consent).insert(db)
      return .done
    case .revokeConsent(let id, let at):
      _ = try ConsentRow.filter(key: id).filter(ConsentRow.Columns.revokedAtUS == nil)
        .updateAll(db, ConsentRow.Columns.revokedAtUS.set(to: at.microsecondsSince1970))
      return .consent(try ConsentRow.fetchOne(db, key: id)?.consent)
    case .fileCase(let filing):
      let cases = try CaseRow.filter(CaseRow.Columns.recordID == filing.recordID).fetchAll(db).map { try $0.creditCase() }
      let (filed, status) = try filing.apply(
        record: try RecordRow.fetchOne(db, key: filing.recordID)?.record(), cases: cases, sequence: sequence,
        origin: origin)
      try CaseRow(filed).insert(db)
      try setStatus(status, recordID: filed.recordID, db)
      return .creditCase(filed)
    case .decideCase(let decision):
      let stored = try CaseRow.fetchOne(db, key: decision.caseID)?.creditCase()
      let record = try stored.flatMap { try RecordRow.fetchOne(db, key: $0.recordID)?.record() }
      let (decided, status) = try decision.apply(case: stored, record: record)
      try CaseRow(decided).update(db)
      if let status { try setStatus(status, recordID: decided.recordID, db) }
      return .creditCase(decided)
    case .revokeRecord(let id, let providerID):
      var record = try CaseRules.revocable(
        try RecordRow.fetchOne(db, key: id)?.record(), by: providerID, field: "record_id")
      record.status = .revoked
      try setStatus(.revoked, recordID: id, db)
      return .record(record)
    }
  }

  private static func setStatus(_ status: RecordStatus, recordID: String, _ db: Database) throws {
    try db.execute(sql: "UPDATE record SET status = ? WHERE id = ?", arguments: [status.rawValue, recordID])
  }

  /// Stores a record by (provider, provider record id): new at version 1, else as
  /// `CreditRecord.resubmitted` says.
  private static func upsert(_ content: RecordContent, _ db: Database) throws -> CreditRecord {
    let id = content.recordID
    let existing = try RecordRow.fetchOne(db, key: id)?.record()
    if let existing, existing.content == content { return existing }
    let stored = existing?.resubmitted(content) ?? CreditRecord(id: id, content: content, status: .active, version: 1)
    try RecordRow(stored).insert(db, onConflict: .replace)
    return stored
  }
}
