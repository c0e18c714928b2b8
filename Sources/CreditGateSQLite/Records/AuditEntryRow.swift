import CreditGateCore
import Foundation
import GRDB

/// A row of `audit_entry`: one entry of the log of its origin, keyed by (origin, sequence), with
/// the leaf hash computed when it was appended. Times are microseconds since 1970; the disclosed
/// categories are one comma-separated text (`checkStorable` refuses a category with a comma).
///
/// Read by position, in the order of `databaseSelection`: a lookup by name costs more than the
/// rest of reading a row, and the start-up check reads every row of the log.
struct AuditEntryRow: Encodable, FetchableRecord, PersistableRecord {
  static let databaseTableName = "audit_entry"

  var sequence: Int64
  var origin: String
  var timeUS: Int64
  var institutionID: String
  var certificateFingerprint: String
  var operatorID: String
  var method: String
  var purpose: String
  var consentID: String
  var subjectPseudonym: String
  /// `AuditOutcome`'s raw value.
  var outcome: String
  var statusCode: Int
  var reason: String
  var categoriesDisclosed: String
  var recordsDisclosed: Int
  var responseDigest: String
  /// Nil for entries written before the column existed; the checkpoints still cover them.
  var leafHash: Data?

  /// The columns, in the order `init(row:)` reads them.
  enum CodingKeys: String, CodingKey, CaseIterable {
    case sequence, origin
    case timeUS = "time_us"
    case institutionID = "institution_id"
    case certificateFingerprint = "certificate_fingerprint"
    case operatorID = "operator_id"
    case method, purpose
    case consentID = "consent_id"
    case subjectPseudonym = "subject_pseudonym"
    case outcome
    case statusCode = "status_code"
    case reason
    case categoriesDisclosed = "categories_disclosed"
    case recordsDisclosed = "records_disclosed"
    case responseDigest = "response_digest"
    case leafHash = "leaf_hash"
  }

  enum Columns {
    static let sequence = Column(CodingKeys.sequence)
    static let origin = Column(CodingKeys.origin)
    static let timeUS = Column(CodingKeys.timeUS)
    static let institutionID = Column(CodingKeys.institutionID)
    static let method = Column(CodingKeys.method)
    static let outcome = Column(CodingKeys.outcome)
    static let purpose = Column(CodingKeys.purpose)
    static let subjectPseudonym = Column(CodingKeys.subjectPseudonym)
  }

  static var databaseSelection: [any SQLSelectable] { CodingKeys.allCases.map { Column($0) } }

  init(row: Row) throws {
    sequence = try row.decode(atIndex: 0)
    origin = try row.decode(atIndex: 1)
    timeUS = try row.decode(atIndex: 2)
    institutionID = try row.decode(atIndex: 3)
    certificateFingerprint = try row.decode(atIndex: 4)
    operatorID = try row.decode(atIndex: 5)
    method = try row.decode(atIndex: 6)
    purpose = try row.decode(atIndex: 7)
    consentID = try row.decode(atIndex: 8)
    subjectPseudonym = try row.decode(atIndex: 9)
    outcome = try row.decode(atIndex: 10)
    statusCode = try row.decode(atIndex: 11)
    reason = try row.decode(atIndex: 12)
    categoriesDisclosed = try row.decode(atIndex: 13)
    recordsDisclosed = try row.decode(atIndex: 14)
    responseDigest = try row.decode(atIndex: 15)
    leafHash = try row.decode(atIndex: 16)
  }

  init(_ entry: AuditEntry, leafHash: [UInt8]) {
    sequence = Int64(clamping: entry.sequence)
    origin = entry.origin
    timeUS = entry.time.microsecondsSince1970
    institutionID = entry.institutionID
    certificateFingerprint = entry.certificateFingerprint
    operatorID = entry.operatorID
    method = entry.method
    purpose = entry.purpose
    consentID = entry.consentID
    subjectPseudonym = entry.subjectPseudonym
    outcome = entry.outcome.rawValue
    statusCode = entry.statusCode
    reason = entry.reason
    categoriesDisclosed = entry.categoriesDisclosed.joined(separator: ",")
    recordsDisclosed = entry.recordsDisclosed
    responseDigest = entry.responseDigest
    self.leafHash = Data(leafHash)
  }

  /// The entry this row stores.
  func entry() throws(StoredValueError) -> AuditEntry {
    AuditEntry(
      sequence: UInt64(clamping: sequence), origin: origin, time: Date(microsecondsSince1970: timeUS),
      institutionID: institutionID, certificateFingerprint: certificateFingerprint, operatorID: operatorID,
      method: method, purpose: purpose, consentID: consentID, subjectPseudonym: subjectPseudonym,
      outcome: try StoredValueError.decode(AuditOutcome.self, outcome, field: "audit_entry.outcome"), statusCode: statusCode,
      reason: reason,
      categoriesDisclosed: categoriesDisclosed.isEmpty ? [] : categoriesDisclosed.split(separator: ",").map(String.init),
      recordsDisclosed: recordsDisclosed, responseDigest: responseDigest)
  }

  /// The entry with the leaf hash stored for it, or for an entry stored without one, the hash
  /// of its content.
  func storedLeaf() throws(StoredValueError) -> StoredLeaf {
    let entry = try entry()
    return StoredLeaf(entry: entry, leafHash: leafHash.map { Array($0) } ?? entry.leafHash)
  }
}
