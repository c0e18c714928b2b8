import CreditGateCore
import Foundation
import GRDB

/// A row of `audit_entry`: one entry of the log of its origin, keyed by (origin, sequence), with
/// the leaf hash computed when it was appended. Times are microseconds since 1970; the disclosed
/// categories are one comma-separated text (`checkStorable` refuses a category with a comma).
///
/// Read by position, in the order of `databaseSelection`, straight into the entry: the start-up
/// check reads every row of the log, and a lookup by column name, or a copy of each column into
/// a field of its own, costs more than the rest of reading a row.
struct AuditEntryRow: FetchableRecord, PersistableRecord {
  static let databaseTableName = "audit_entry"

  var entry: AuditEntry
  /// Nil for entries written before the column existed; the checkpoints still cover them.
  var leafHash: Data?

  enum Columns {
    static let sequence = Column("sequence")
    static let origin = Column("origin")
    static let timeUS = Column("time_us")
    static let institutionID = Column("institution_id")
    static let certificateFingerprint = Column("certificate_fingerprint")
    static let operatorID = Column("operator_id")
    static let method = Column("method")
    static let purpose = Column("purpose")
    static let consentID = Column("consent_id")
    static let subjectPseudonym = Column("subject_pseudonym")
    static let outcome = Column("outcome")
    static let statusCode = Column("status_code")
    static let reason = Column("reason")
    static let categoriesDisclosed = Column("categories_disclosed")
    static let recordsDisclosed = Column("records_disclosed")
    static let responseDigest = Column("response_digest")
    static let leafHash = Column("leaf_hash")
    static let previousSubjectSequence = Column("previous_subject_sequence")

    /// Every column, in the order `init(row:)` reads them.
    static let all = [
      sequence, origin, timeUS, institutionID, certificateFingerprint, operatorID, method, purpose,
      consentID, subjectPseudonym, outcome, statusCode, reason, categoriesDisclosed, recordsDisclosed,
      responseDigest, leafHash, previousSubjectSequence,
    ]
  }

  static var databaseSelection: [any SQLSelectable] { Columns.all }

  init(entry: AuditEntry, leafHash: [UInt8]) {
    self.entry = entry
    self.leafHash = Data(leafHash)
  }

  init(row: Row) throws {
    let sequence: Int64 = try row.decode(atIndex: 0)
    let micros: Int64 = try row.decode(atIndex: 2)
    let outcome: String = try row.decode(atIndex: 10)
    let categories: String = try row.decode(atIndex: 13)
    entry = AuditEntry(
      sequence: UInt64(clamping: sequence), origin: try row.decode(atIndex: 1),
      time: Date(microsecondsSince1970: micros), institutionID: try row.decode(atIndex: 3),
      certificateFingerprint: try row.decode(atIndex: 4), operatorID: try row.decode(atIndex: 5),
      method: try row.decode(atIndex: 6), purpose: try row.decode(atIndex: 7),
      consentID: try row.decode(atIndex: 8), subjectPseudonym: try row.decode(atIndex: 9),
      outcome: try StoredValueError.decode(AuditOutcome.self, outcome, field: "audit_entry.outcome"),
      statusCode: try row.decode(atIndex: 11), reason: try row.decode(atIndex: 12),
      categoriesDisclosed: categories.isEmpty ? [] : categories.split(separator: ",").map(String.init),
      recordsDisclosed: try row.decode(atIndex: 14), responseDigest: try row.decode(atIndex: 15))
    leafHash = try row.decode(atIndex: 16)
    let previous: Int64 = try row.decode(atIndex: 17)
    entry.previousSubjectSequence = UInt64(clamping: previous)
  }

  func encode(to container: inout PersistenceContainer) {
    container[Columns.sequence] = Int64(clamping: entry.sequence)
    container[Columns.origin] = entry.origin
    container[Columns.timeUS] = entry.time.microsecondsSince1970
    container[Columns.institutionID] = entry.institutionID
    container[Columns.certificateFingerprint] = entry.certificateFingerprint
    container[Columns.operatorID] = entry.operatorID
    container[Columns.method] = entry.method
    container[Columns.purpose] = entry.purpose
    container[Columns.consentID] = entry.consentID
    container[Columns.subjectPseudonym] = entry.subjectPseudonym
    container[Columns.outcome] = entry.outcome.rawValue
    container[Columns.statusCode] = entry.statusCode
    container[Columns.reason] = entry.reason
    container[Columns.categoriesDisclosed] = entry.categoriesDisclosed.joined(separator: ",")
    container[Columns.recordsDisclosed] = entry.recordsDisclosed
    container[Columns.responseDigest] = entry.responseDigest
    container[Columns.leafHash] = leafHash
    container[Columns.previousSubjectSequence] = Int64(clamping: entry.previousSubjectSequence)
  }

  /// The entry with the leaf hash stored for it, or for an entry stored without one, the hash
  /// of its content.
  var storedLeaf: StoredLeaf {
    StoredLeaf(entry: entry, leafHash: leafHash.map { Array($0) } ?? entry.leafHash)
  }
}
