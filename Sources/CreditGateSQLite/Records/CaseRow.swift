import CreditGateCore
import Foundation
import GRDB

/// A row of `credit_case`: an objection or a repair application and its decision. Times are
/// microseconds since 1970, the deadline a day number (`LocalDate.dayNumber`).
struct CaseRow: Codable, FetchableRecord, PersistableRecord {
  static let databaseTableName = "credit_case"

  var id: String
  var kind: String
  var recordID: String
  var subjectCode: String
  var category: String
  var statement: String
  var filedAtUS: Int64
  var filedSequence: Int64
  var filedOrigin: String
  var decideBy: Int
  var provisionalReason: String?
  var status: String
  var decisionReason: String
  var decidedAtUS: Int64?
  var decidedBy: String
  /// The cited grounds' record ids, comma-separated.
  var grounds: String

  enum CodingKeys: String, CodingKey {
    case id, kind, category, statement, status, grounds
    case recordID = "record_id"
    case subjectCode = "subject_code"
    case filedAtUS = "filed_at_us"
    case filedSequence = "filed_sequence"
    case filedOrigin = "filed_origin"
    case decideBy = "decide_by"
    case provisionalReason = "provisional_reason"
    case decisionReason = "decision_reason"
    case decidedAtUS = "decided_at_us"
    case decidedBy = "decided_by"
  }

  enum Columns {
    static let id = Column(CodingKeys.id)
    static let recordID = Column(CodingKeys.recordID)
    static let subjectCode = Column(CodingKeys.subjectCode)
    static let status = Column(CodingKeys.status)
    static let filedAtUS = Column(CodingKeys.filedAtUS)
  }

  init(_ item: CreditCase) {
    id = item.id
    kind = item.kind.rawValue
    recordID = item.recordID
    subjectCode = item.subjectCode
    category = item.category
    statement = item.statement
    filedAtUS = item.filedAt.microsecondsSince1970
    filedSequence = Int64(clamping: item.filedSequence)
    filedOrigin = item.filedOrigin
    decideBy = item.decideBy.dayNumber
    provisionalReason = item.provisionalReason
    status = item.status.rawValue
    decisionReason = item.decisionReason
    decidedAtUS = item.decidedAt?.microsecondsSince1970
    decidedBy = item.decidedBy
    grounds = item.groundRecordIDs.joined(separator: ",")
  }

  /// The case this row stores.
  func creditCase() throws(StoredValueError) -> CreditCase {
    CreditCase(
      id: id, kind: try StoredValueError.decode(CaseKind.self, kind, field: "credit_case.kind"), recordID: recordID,
      subjectCode: subjectCode, category: category, statement: statement,
      filedAt: Date(microsecondsSince1970: filedAtUS), filedSequence: UInt64(clamping: filedSequence),
      filedOrigin: filedOrigin, decideBy: LocalDate(dayNumber: decideBy), provisionalReason: provisionalReason,
      status: try StoredValueError.decode(CaseStatus.self, status, field: "credit_case.status"),
      decisionReason: decisionReason, decidedAt: decidedAtUS.map(Date.init(microsecondsSince1970:)),
      decidedBy: decidedBy, groundRecordIDs: grounds.isEmpty ? [] : grounds.split(separator: ",").map(String.init))
  }
}
