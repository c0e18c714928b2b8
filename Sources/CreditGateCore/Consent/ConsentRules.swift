public import Foundation

/// The checks a consent must pass for one query (DESIGN §7), as one pure function. Every
/// refusal is `PERMISSION_DENIED` with a reason that names what is wrong.
public enum ConsentRules {
  /// The most days a consent may run (国办发〔2020〕49号: no lifetime consent).
  public static let defaultMaximumDays = 365

  /// Why a consent does not allow a query: a code to tell refusals apart, and a detail for the caller.
  public struct Refusal: Sendable, Hashable, CustomStringConvertible {
    /// The kind of refusal, named as the README lists them.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
      let name: String
      public static let noConsent = Code(name: "no consent")
      public static let unknownConsent = Code(name: "unknown consent")
      public static let notYetValid = Code(name: "not yet valid")
      public static let expired = Code(name: "expired")
      public static let revoked = Code(name: "revoked")
      public static let wrongSubject = Code(name: "wrong subject")
      public static let wrongGrantee = Code(name: "wrong grantee")
      public static let wrongPurpose = Code(name: "wrong purpose")
      public static let categoriesNotCovered = Code(name: "categories not covered")
      public static let usesExhausted = Code(name: "uses exhausted")
      public var description: String { name }
    }

    public var code: Code
    public var detail: String

    /// Creates a refusal of `code`, explained by `detail`.
    public init(code: Code, detail: String) {
      self.code = code
      self.detail = detail
    }

    public var description: String { "\(code): \(detail)" }

    public var error: GatewayError { .denied(description, field: "consent_id") }
  }

  /// Checks `consent` for a query by `grantee` about `subjectCode` for `purpose` that would
  /// return `categories`.
  public static func check(
    _ consent: Consent?, subjectCode: String, grantee: String, purpose: String,
    categories: [String], now: Date
  ) -> Refusal? {
    guard let consent else {
      return Refusal(code: .unknownConsent, detail: "no consent with this id")
    }
    if consent.subjectCode != subjectCode {
      return Refusal(code: .wrongSubject, detail: "the consent was given by another subject")
    }
    if consent.granteeID != grantee {
      return Refusal(code: .wrongGrantee, detail: "the consent was given to another institution")
    }
    if consent.purpose != purpose {
      return Refusal(code: .wrongPurpose, detail: "the consent is for purpose \"\(consent.purpose)\"")
    }
    switch consent.status(at: now) {
    case .revoked: return Refusal(code: .revoked, detail: "the subject revoked it")
    case .expired: return Refusal(code: .expired, detail: "it ran out on \(ISO8601DateFormatter().string(from: consent.validUntil))")
    case .exhausted: return Refusal(code: .usesExhausted, detail: "all \(consent.maxUses) uses are spent")
    case .active: break
    }
    if now < consent.validFrom {
      return Refusal(code: .notYetValid, detail: "it is valid from \(ISO8601DateFormatter().string(from: consent.validFrom))")
    }
    let uncovered = categories.filter { !consent.categories.contains($0) }
    if !uncovered.isEmpty {
      return Refusal(
        code: .categoriesNotCovered, detail: "it does not cover \(uncovered.joined(separator: ", "))")
    }
    return nil
  }
}
