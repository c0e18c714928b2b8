import CreditGateCore
import Foundation
import Testing

/// `ConsentRules.check` (DESIGN §7) as a table: one consent per refusal code, built to differ
/// from a consent that passes in exactly the one respect that triggers the code, and the
/// boundaries of time and uses.
@Suite("ConsentRules")
struct ConsentRulesTests {
  /// 2026-01-01T00:00:00Z; every time below is a whole number of microseconds from it.
  static let start = Date(timeIntervalSince1970: 1_767_225_600)
  static let microsecond: TimeInterval = 0.000_001
  static let day: TimeInterval = 86_400

  static let subject = Codes.person
  static let grantee = "test-bank"
  static let purpose = "commercial-loan"
  /// The instant of every query in the table: ten days into the consent.
  static let now = start.addingTimeInterval(10 * day)

  /// A consent that passes the query below: valid for 30 days, two uses, one spent.
  static func consent(_ change: (inout Consent) -> Void = { _ in }) -> Consent {
    var consent = Consent(
      id: "c-rules-1", subjectCode: subject, granteeID: grantee, purpose: purpose,
      categories: ["loan-default", "fraud"], validFrom: start, validUntil: start.addingTimeInterval(30 * day),
      maxUses: 2, uses: 1, evidenceDigest: String(repeating: "ab", count: 32), recordedBy: "test-portal")
    change(&consent)
    return consent
  }

  struct Case: Sendable, CustomTestStringConvertible {
    var label: String
    var consent: Consent?
    var subjectCode = ConsentRulesTests.subject
    var grantee = ConsentRulesTests.grantee
    var purpose = ConsentRulesTests.purpose
    var categories = ["loan-default"]
    var now = ConsentRulesTests.now
    /// nil: the consent is good for this query.
    var expected: ConsentRules.Refusal.Code?
    var testDescription: String { label }
  }

  static let cases: [Case] = [
    Case(label: "a consent that covers the query", consent: consent(), expected: nil),
    Case(label: "every category of the consent at once", consent: consent(),
         categories: ["fraud", "loan-default"], expected: nil),
    Case(label: "no categories returned at all", consent: consent(), categories: [], expected: nil),
    Case(label: "unknown consent (none stored under the id)", consent: nil, expected: .unknownConsent),
    Case(label: "given by another subject", consent: consent { $0.subjectCode = Codes.otherPerson },
         expected: .wrongSubject),
    Case(label: "given to another institution", consent: consent { $0.granteeID = "other-bank" },
         expected: .wrongGrantee),
    Case(label: "given for another purpose", consent: consent { $0.purpose = "commercial-insurance" },
         expected: .wrongPurpose),
    Case(label: "not yet valid", consent: consent { $0.validFrom = now.addingTimeInterval(day) },
         expected: .notYetValid),
    Case(label: "expired", consent: consent { $0.validUntil = now.addingTimeInterval(-day) }, expected: .expired),
    Case(label: "revoked", consent: consent { $0.revokedAt = now.addingTimeInterval(-day) }, expected: .revoked),
    Case(label: "a category the consent does not cover", consent: consent(),
         categories: ["loan-default", "tax-arrears"], expected: .categoriesNotCovered),
    Case(label: "uses exhausted", consent: consent { $0.uses = 2 }, expected: .usesExhausted),

    // Boundaries.
    Case(label: "now == validUntil: expired", consent: consent { $0.validUntil = now }, expected: .expired),
    Case(label: "one microsecond before validUntil: valid",
         consent: consent { $0.validUntil = now.addingTimeInterval(microsecond) }, expected: nil),
    Case(label: "now == validFrom: valid", consent: consent { $0.validFrom = now }, expected: nil),
    Case(label: "one microsecond before validFrom: not yet valid",
         consent: consent { $0.validFrom = now.addingTimeInterval(microsecond) }, expected: .notYetValid),
    Case(label: "uses == maxUses: exhausted", consent: consent { $0.maxUses = 5; $0.uses = 5 },
         expected: .usesExhausted),
    Case(label: "uses == maxUses - 1: the last use is still there", consent: consent { $0.maxUses = 5; $0.uses = 4 },
         expected: nil),
    Case(label: "maxUses 0 is unlimited", consent: consent { $0.maxUses = 0; $0.uses = 1_000_000 }, expected: nil),
    // A query whose clock reads before a revocation that is already stored is refused all the
    // same: any revocation counts (issue 8: an in-flight query passed a revocation).
    Case(label: "revocation stamped after the query's clock: revoked",
         consent: consent { $0.revokedAt = now.addingTimeInterval(microsecond) }, expected: .revoked),
    Case(label: "revokedAt == now: revoked", consent: consent { $0.revokedAt = now }, expected: .revoked),
    Case(label: "maxUses 0 still expires", consent: consent { $0.maxUses = 0; $0.validUntil = now },
         expected: .expired),
  ]

  @Test("each refusal code, triggered on its own, and the boundaries", arguments: cases)
  func check(_ item: Case) {
    let refusal = ConsentRules.check(
      item.consent, subjectCode: item.subjectCode, grantee: item.grantee, purpose: item.purpose,
      categories: item.categories, now: item.now)
    #expect(refusal?.code == item.expected)
    if let refusal {
      // Every refusal is PERMISSION_DENIED on consent_id, and its reason names the code.
      let error = refusal.error
      #expect(error.code == .permissionDenied)
      #expect(error.field == "consent_id")
      #expect(error.reason.contains(refusal.code.description))
      #expect(!refusal.detail.isEmpty)
      // Reasons reach the caller and the audit log: never a subject code (DESIGN §2, STYLE 7).
      #expect(!error.message.contains(Codes.person))
      #expect(!error.message.contains(Codes.otherPerson))
    }
  }

  @Test("the table triggers every refusal code the check can give")
  func tableCoversEveryCode() {
    let triggered = Set(Self.cases.compactMap(\.expected))
    #expect(triggered == Set(Self.allCodes).subtracting([.noConsent]))
  }

  /// Every refusal code, including `noConsent`, which the service raises before it looks a
  /// consent up (a query without `consent_id`).
  static let allCodes: [ConsentRules.Refusal.Code] = [
    .noConsent, .unknownConsent, .notYetValid, .expired, .revoked, .wrongSubject, .wrongGrantee,
    .wrongPurpose, .categoriesNotCovered, .usesExhausted,
  ]

  @Test("every refusal is PERMISSION_DENIED on consent_id with a reason naming its code", arguments: allCodes)
  func refusalError(_ code: ConsentRules.Refusal.Code) {
    let refusal = ConsentRules.Refusal(code: code, detail: "detail for the caller")
    let error = refusal.error
    #expect(error.code == .permissionDenied)
    #expect(error.field == "consent_id")
    #expect(error.reason == "\(code.description): detail for the caller")
    #expect(error.message == "consent_id: \(code.description): detail for the caller")
  }

  @Test("the codes have distinct names")
  func distinctNames() {
    #expect(Set(Self.allCodes.map(\.description)).count == Self.allCodes.count)
  }

  @Test("consent status at the boundaries", arguments: [
    (consent { $0.validUntil = now }, ConsentStatus.expired),
    (consent { $0.validUntil = now.addingTimeInterval(microsecond) }, .active),
    (consent { $0.revokedAt = now }, .revoked),
    (consent { $0.revokedAt = now.addingTimeInterval(microsecond) }, .revoked),
    (consent { $0.uses = 2 }, .exhausted),
    (consent { $0.maxUses = 0; $0.uses = 99 }, .active),
    // Revocation wins over expiry and exhaustion: the person's act is what the portal shows.
    (consent { $0.revokedAt = start; $0.validUntil = now; $0.uses = 2 }, .revoked),
  ])
  func status(_ consent: Consent, _ expected: ConsentStatus) {
    #expect(consent.status(at: Self.now) == expected)
  }

  @Test("new consent ids are distinct random hex")
  func newIDs() {
    let ids = (0..<100).map { _ in Consent.newID() }
    #expect(Set(ids).count == ids.count)
    #expect(ids.allSatisfy { $0.count == 21 && $0.hasPrefix("c") && $0.dropFirst().allSatisfy(\.isHexDigit) })
  }
}
