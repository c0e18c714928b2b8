public import Foundation

/// Whether a consent can still be used. Expiry and exhaustion are derived from the dates and
/// the use count; only revocation is stored.
public enum ConsentStatus: String, Sendable, Hashable, Codable, CaseIterable {
  case active = "ACTIVE"
  case revoked = "REVOKED"
  case expired = "EXPIRED"
  case exhausted = "EXHAUSTED"
}

/// A person's consent to one grantee, for one purpose and some categories, for a limited time
/// (DESIGN §7). There is no lifetime consent: `validUntil` is always set.
public struct Consent: Sendable, Hashable {
  public var id: String
  public var subjectCode: String
  public var granteeID: String
  public var purpose: String
  public var categories: [String]
  public var validFrom: Date
  public var validUntil: Date
  /// 0: no limit on uses (the period still applies).
  public var maxUses: Int
  public var uses: Int
  /// Hex SHA-256 of the signed authorization form, when the grantee registered the consent.
  public var evidenceDigest: String
  /// The institution that recorded the consent: the portal, or the grantee itself.
  public var recordedBy: String
  public var revokedAt: Date?

/// Creates a consent; times are kept to the microsecond, as every backend stores them.
  public init(
    id: String, subjectCode: String, granteeID: String, purpose: String, categories: [String],
    validFrom: Date, validUntil: Date, maxUses: Int = 0, uses: Int = 0, evidenceDigest: String = "",
    recordedBy: String, revokedAt: Date? = nil
  ) {
    self.id = id
    self.subjectCode = subjectCode
    self.granteeID = granteeID
    self.purpose = purpose
    self.categories = categories
    self.validFrom = validFrom.roundedToMicroseconds
    self.validUntil = validUntil.roundedToMicroseconds
    self.maxUses = maxUses
    self.uses = uses
    self.evidenceDigest = evidenceDigest
    self.recordedBy = recordedBy
    self.revokedAt = revokedAt?.roundedToMicroseconds
  }

  /// Whether the consent allows a query at `now`: revoked, expired, exhausted or active.
  public func status(at now: Date) -> ConsentStatus {
    // Any revocation counts, whatever the clocks say: it is stored only once it has happened.
    if revokedAt != nil { return .revoked }
    if now >= validUntil { return .expired }
    if maxUses > 0, uses >= maxUses { return .exhausted }
    return .active
  }

  /// A new random consent id.
  public static func newID() -> String {
    var generator = SystemRandomNumberGenerator()
    return "c" + (0..<10).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
  }
}
