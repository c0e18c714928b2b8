import CreditGateCore
import GRDB

/// A row of `record`: a credit record as its provider last submitted it. Dates are day numbers
/// (`LocalDate.dayNumber`).
struct RecordRow: Codable, FetchableRecord, PersistableRecord {
  static let databaseTableName = "record"

  var id: String
  var providerID: String
  var providerRecordID: String
  var subjectCode: String
  var category: String
  /// `Severity`'s raw value; nil for a record without one (trust-keeping, neutral).
  var severity: String?
  var title: String
  var documentNumber: String
  var actDate: Int
  var decidedOn: Int
  var actEndedOn: Int?
  var disclosureUntil: Int
  /// `RecordStatus`'s raw value.
  var status: String
  var version: Int

  enum CodingKeys: String, CodingKey {
    case id
    case providerID = "provider_id"
    case providerRecordID = "provider_record_id"
    case subjectCode = "subject_code"
    case category, severity, title
    case documentNumber = "document_number"
    case actDate = "act_date"
    case decidedOn = "decided_on"
    case actEndedOn = "act_ended_on"
    case disclosureUntil = "disclosure_until"
    case status, version
  }

  enum Columns {
    static let id = Column(CodingKeys.id)
    static let subjectCode = Column(CodingKeys.subjectCode)
    static let decidedOn = Column(CodingKeys.decidedOn)
  }

  init(_ record: CreditRecord) {
    let content = record.content
    id = record.id
    providerID = content.providerID
    providerRecordID = content.providerRecordID
    subjectCode = content.subjectCode
    category = content.category
    severity = content.severity?.rawValue
    title = content.title
    documentNumber = content.documentNumber
    actDate = content.actDate.dayNumber
    decidedOn = content.decidedOn.dayNumber
    actEndedOn = content.actEndedOn?.dayNumber
    disclosureUntil = content.disclosureUntil.dayNumber
    status = record.status.rawValue
    version = record.version
  }

  /// The record this row stores.
  func record() throws(StoredValueError) -> CreditRecord {
    let content = RecordContent(
      providerID: providerID, providerRecordID: providerRecordID, subjectCode: subjectCode,
      category: category,
      severity: try severity.map { raw throws(StoredValueError) in
        try StoredValueError.decode(Severity.self, raw, field: "record.severity")
      },
      title: title, documentNumber: documentNumber, actDate: LocalDate(dayNumber: actDate),
      decidedOn: LocalDate(dayNumber: decidedOn), actEndedOn: actEndedOn.map(LocalDate.init(dayNumber:)),
      disclosureUntil: LocalDate(dayNumber: disclosureUntil))
    return CreditRecord(
      id: id, content: content, status: try StoredValueError.decode(RecordStatus.self, status, field: "record.status"),
      version: version)
  }
}
