import CreditGateCore
import Foundation
import GRDB

/// A row of `suspension`: a suspension and, once lifted, its lifting. Times are microseconds
/// since 1970; the anomaly's entries are one comma-separated text of sequence numbers.
struct SuspensionRow: Codable, FetchableRecord, PersistableRecord {
  static let databaseTableName = "suspension"

  var id: String
  var institutionID: String
  var operatorID: String?
  var reason: String
  var sinceUS: Int64
  var untilUS: Int64?
  var suspendedBy: String
  var anomalyRule: String?
  var anomalyDescription: String
  var anomalySequences: String
  var liftedAtUS: Int64?
  var liftedBy: String
  var liftReason: String

  enum CodingKeys: String, CodingKey {
    case id, reason
    case institutionID = "institution_id"
    case operatorID = "operator_id"
    case sinceUS = "since_us"
    case untilUS = "until_us"
    case suspendedBy = "suspended_by"
    case anomalyRule = "anomaly_rule"
    case anomalyDescription = "anomaly_description"
    case anomalySequences = "anomaly_sequences"
    case liftedAtUS = "lifted_at_us"
    case liftedBy = "lifted_by"
    case liftReason = "lift_reason"
  }

  enum Columns {
    static let sinceUS = Column(CodingKeys.sinceUS)
    static let id = Column(CodingKeys.id)
  }

  init(_ suspension: Suspension) {
    id = suspension.id
    institutionID = suspension.institutionID
    operatorID = suspension.operatorID
    reason = suspension.reason
    sinceUS = suspension.since.microsecondsSince1970
    untilUS = suspension.until?.microsecondsSince1970
    suspendedBy = suspension.suspendedBy
    anomalyRule = suspension.anomalyRule
    anomalyDescription = suspension.anomalyDescription
    anomalySequences = suspension.anomalySequences.map(String.init).joined(separator: ",")
    liftedAtUS = suspension.liftedAt?.microsecondsSince1970
    liftedBy = suspension.liftedBy
    liftReason = suspension.liftReason
  }

  /// The suspension this row stores.
  func suspension() throws(StoredValueError) -> Suspension {
    var sequences: [UInt64] = []
    for text in anomalySequences.split(separator: ",") {
      guard let sequence = UInt64(text) else {
        throw StoredValueError(field: "suspension.anomaly_sequences", value: String(text))
      }
      sequences.append(sequence)
    }
    return Suspension(
      id: id, institutionID: institutionID, operatorID: operatorID, reason: reason,
      since: Date(microsecondsSince1970: sinceUS), until: untilUS.map(Date.init(microsecondsSince1970:)),
      suspendedBy: suspendedBy, anomalyRule: anomalyRule, anomalyDescription: anomalyDescription,
      anomalySequences: sequences, liftedAt: liftedAtUS.map(Date.init(microsecondsSince1970:)), liftedBy: liftedBy,
      liftReason: liftReason)
  }
}
