import CreditGateCore
import GRDB

extension SQLiteStore {
  /// Applies a state change inside the caller's transaction.
  static func apply(_ change: StateChange, _ db: Database) throws -> StateChangeResult {
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
    }
  }

  /// Stores a record by (provider, provider record id): new at version 1; identical content
  /// changes nothing; changed content keeps the status and raises the version.
  private static func upsert(_ content: RecordContent, _ db: Database) throws -> CreditRecord {
    let id = content.recordID
    let stored: CreditRecord
    if let existing = try RecordRow.fetchOne(db, key: id)?.record() {
      if existing.content == content { return existing }
      stored = CreditRecord(id: id, content: content, status: existing.status, version: existing.version + 1)
    } else {
      stored = CreditRecord(id: id, content: content, status: .active, version: 1)
    }
    try RecordRow(stored).insert(db, onConflict: .replace)
    return stored
  }
}
