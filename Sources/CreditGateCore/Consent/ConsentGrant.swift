public import Foundation

/// A request to record a consent (DESIGN §7), before validation: made by the portal for the
/// person it acts for, or by a grantee registering a consent it collected itself.
public struct ConsentGrant: Sendable, Hashable {
  /// The person who consents, already parsed (and audited) by the caller of `validate`.
  public var subject: SubjectCode
  /// The institution the consent is given to, as sent; empty means the caller itself, unless
  /// the caller is the portal.
  public var granteeID: String
  /// The application list's code of the purpose, as sent.
  public var purpose: String
  /// Empty: every category the purpose may see.
  public var categories: [String]
  /// nil when the request carries none; there is no lifetime consent, so it is refused.
  public var validUntil: Date?
  /// 0: no limit on uses.
  public var maxUses: Int
  /// Hex SHA-256 of the signed authorization form, as sent (any case).
  public var evidenceDigest: String

  /// A grant as the request carries it; `validate` checks it.
  public init(
    subject: SubjectCode, granteeID: String, purpose: String, categories: [String] = [],
    validUntil: Date?, maxUses: Int = 0, evidenceDigest: String = ""
  ) {
    self.subject = subject
    self.granteeID = granteeID
    self.purpose = purpose
    self.categories = categories
    self.validUntil = validUntil
    self.maxUses = maxUses
    self.evidenceDigest = evidenceDigest
  }

  /// Checks the grant `caller` makes against the configured institutions (`institutions` looks
  /// one up by id), the application list and the longest a consent may run; returns the
  /// consent to store under `id`, valid from `now`. Errors name the field; the first problem
  /// found is reported. Whether the subject is registered is for the caller to check.
  public func validate(
    by caller: Institution, institutions: (String) -> Institution?, lists: PublishedLists, now: Date,
    maximumDays: Int, id: String
  ) throws(GatewayError) -> Consent {
    let viaPortal = caller.roles.contains(.portal)
    let granteeID = self.granteeID.isEmpty && !viaPortal ? caller.id : self.granteeID
    guard !granteeID.isEmpty else { throw .invalid("grantee_institution_id", "is required") }
    if !viaPortal, granteeID != caller.id {
      throw .denied("an institution may register consents only to itself", field: "grantee_institution_id")
    }
    guard let grantee = institutions(granteeID), grantee.roles.contains(.query) else {
      throw .invalid("grantee_institution_id", "\"\(granteeID)\" is not an institution that queries")
    }
    guard !self.purpose.isEmpty else { throw .invalid("purpose", "is required") }
    guard let purpose = lists.purpose(self.purpose) else {
      throw .invalid("purpose", "\"\(self.purpose)\" is not on the published application list")
    }
    guard purpose.kind == .consent else {
      throw .invalid("purpose", "\"\(purpose.code)\" is statutory and needs no consent")
    }
    guard grantee.purposes.contains(purpose.code) else {
      throw .invalid(
        "purpose", "\"\(granteeID)\" may not query for \"\(purpose.code)\", so a consent to it would be void")
    }
    for category in categories where !purpose.categories.contains(category) {
      throw .invalid("categories", "\"\(category)\" is not on the application list for purpose \(purpose.code)")
    }
    guard let until = validUntil else {
      throw .invalid("valid_until", "is required: there is no lifetime consent")
    }
    guard until > now else { throw .invalid("valid_until", "is in the past") }
    let latest = now.addingTimeInterval(Double(maximumDays) * 86_400)
    guard until <= latest else {
      throw .invalid("valid_until", "is more than \(maximumDays) days away; a consent may run at most that long")
    }
    let digest = evidenceDigest.lowercased()
    // The portal's own record of the person's consent needs no form; a grantee's does.
    if !viaPortal || !digest.isEmpty {
      // ASCII only: Character.isHexDigit also takes full-width digits.
      let isHex = digest.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
      guard digest.utf8.count == 64, isHex else {
        throw .invalid(
          "evidence_digest",
          viaPortal ? "must be the hex SHA-256 of the signed authorization form"
            : "is required: the hex SHA-256 of the signed authorization form")
      }
    }
    return Consent(
      id: id, subjectCode: subject.value, granteeID: granteeID, purpose: purpose.code,
      categories: categories.isEmpty ? purpose.categories : categories, validFrom: now, validUntil: until,
      maxUses: maxUses, evidenceDigest: digest, recordedBy: caller.id)
  }
}
