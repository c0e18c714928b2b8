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
      let cited = try filing.groundRecordIDs.map { try RecordRow.fetchOne(db, key: $0)?.record() }
      let (filed, status) = try filing.apply(
        record: try RecordRow.fetchOne(db, key: filing.recordID)?.record(), cases: cases, cited: cited,
        sequence: sequence, origin: origin)
      try CaseRow(filed).insert(db)
      try setStatus(status, recordID: filed.recordID, db)
      return .creditCase(filed)
    case .decideCase(let decision):
      let stored = try CaseRow.fetchOne(db, key: decision.caseID)?.creditCase()
      let record = try stored.flatMap { try RecordRow.fetchOne(db, key: $0.recordID)?.record() }
      let outcome = try decision.apply(case: stored, record: record)
      if let content = outcome.newRecord { _ = try upsert(content, db) }
      try CaseRow(outcome.decided).update(db)
      if let status = outcome.recordStatus { try setStatus(status, recordID: outcome.decided.recordID, db) }
      return .creditCase(outcome.decided)
    case .fileComplaint(var complaint):
      complaint.filedSequence = sequence
      complaint.filedOrigin = origin
      try CaseRow(complaint).insert(db)
      return .creditCase(complaint)
    case .suspend(let suspension):
      try SuspensionRow(suspension).insert(db)
      return .suspension(suspension)
    case .liftSuspension(let id, let by, let reason, let at):
      let lifted = try SuspensionRules.lift(
        try SuspensionRow.fetchOne(db, key: id)?.suspension(), id: id, by: by, reason: reason, at: at)
      try SuspensionRow(lifted).update(db)
      return .suspension(lifted)
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
