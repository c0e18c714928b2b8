import CreditGateCore
import Foundation
import GRDB

/// A row of `consent`: a consent as granted, with its uses so far and its revocation. Times are
/// microseconds since 1970; categories are one comma-separated text (category codes hold no
/// comma).
struct ConsentRow: Codable, FetchableRecord, PersistableRecord {
  static let databaseTableName = "consent"

  var id: String
  var subjectCode: String
  var granteeID: String
  var purpose: String
  var categories: String
  var validFromUS: Int64
  var validUntilUS: Int64
  var maxUses: Int
  var uses: Int
  var evidenceDigest: String
  var recordedBy: String
  var revokedAtUS: Int64?

  enum CodingKeys: String, CodingKey {
    case id
    case subjectCode = "subject_code"
    case granteeID = "grantee_id"
    case purpose, categories
    case validFromUS = "valid_from_us"
    case validUntilUS = "valid_until_us"
    case maxUses = "max_uses"
    case uses
    case evidenceDigest = "evidence_digest"
    case recordedBy = "recorded_by"
    case revokedAtUS = "revoked_at_us"
  }

  enum Columns {
    static let id = Column(CodingKeys.id)
    static let subjectCode = Column(CodingKeys.subjectCode)
    static let validFromUS = Column(CodingKeys.validFromUS)
    static let uses = Column(CodingKeys.uses)
    static let revokedAtUS = Column(CodingKeys.revokedAtUS)
  }

  init(_ consent: Consent) {
    id = consent.id
    subjectCode = consent.subjectCode
    granteeID = consent.granteeID
    purpose = consent.purpose
    categories = consent.categories.joined(separator: ",")
    validFromUS = consent.validFrom.microsecondsSince1970
    validUntilUS = consent.validUntil.microsecondsSince1970
    maxUses = consent.maxUses
    uses = consent.uses
    evidenceDigest = consent.evidenceDigest
    recordedBy = consent.recordedBy
    revokedAtUS = consent.revokedAt?.microsecondsSince1970
  }

  /// The consent this row stores.
  var consent: Consent {
    Consent(
      id: id, subjectCode: subjectCode, granteeID: granteeID, purpose: purpose,
      categories: categories.isEmpty ? [] : categories.split(separator: ",").map(String.init),
      validFrom: Date(microsecondsSince1970: validFromUS), validUntil: Date(microsecondsSince1970: validUntilUS),
      maxUses: maxUses, uses: uses, evidenceDigest: evidenceDigest, recordedBy: recordedBy,
      revokedAt: revokedAtUS.map(Date.init(microsecondsSince1970:)))
  }
}
