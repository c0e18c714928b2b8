import CreditGateCore
import Foundation
import Testing

/// `ConsentGrant.validate` (DESIGN §7) as tables: one row per refusal, built to differ from a
/// grant that passes in the one respect that triggers it, with the exact code, field and
/// reason the caller and the audit log receive; and the consents accepted grants become.
@Suite("ConsentGrant.validate")
struct ConsentGrantTests {
  /// 2026-01-11T00:00:00Z, the instant of every grant below.
  static let now = Date(timeIntervalSince1970: 1_768_089_600)
  static let day: TimeInterval = 86_400
  static let microsecond: TimeInterval = 0.000_001
  static let digest = String(repeating: "5e", count: 32)

  static let portal = Institution(id: "test-portal", name: "测试信用门户", roles: [.portal])
  static let bank = Institution(
    id: "test-bank", name: "测试银行", roles: [.query],
    purposes: ["commercial-loan", "commercial-insurance", "investment", "online-shopping", "marriage-employment"],
    categories: ["loan-default", "fraud"], queryKind: .consent)
  static let otherBank = Institution(
    id: "other-bank", name: "另一家银行", roles: [.query], purposes: ["commercial-loan"], queryKind: .consent)
  static let hrBureau = Institution(
    id: "test-hr-bureau", name: "测试人社局", roles: [.query], purposes: ["civil-servant-recruitment"])
  static let court = Institution(
    id: "test-court", name: "测试法院", roles: [.provider], categories: ["dishonest-judgment-debtor"])
  static let institutions = Dictionary(
    uniqueKeysWithValues: [portal, bank, otherBank, hrBureau, court].map { ($0.id, $0) })

  /// A grant the portal makes for the person, to the bank, for a loan check, for 30 days.
  static func grant(_ change: (inout ConsentGrant) -> Void = { _ in }) -> ConsentGrant {
    // The code is valid: `try!` cannot fail here.
    var grant = ConsentGrant(
      subject: try! SubjectCode(parsing: Codes.person), granteeID: bank.id, purpose: "commercial-loan",
      validUntil: now.addingTimeInterval(30 * day))
    change(&grant)
    return grant
  }

  struct Refusal: Sendable, CustomTestStringConvertible {
    var label: String
    var caller = ConsentGrantTests.portal
    var grant: ConsentGrant
    var maximumDays = ConsentRules.defaultMaximumDays
    var code: GatewayError.Code = .invalidArgument
    var field: String
    var reason: String
    var testDescription: String { label }
  }

  static let refusals: [Refusal] = [
    // Who the consent is given to.
    Refusal(
      label: "the portal naming no grantee", grant: grant { $0.granteeID = "" },
      field: "grantee_institution_id", reason: "is required"),
    Refusal(
      label: "a grantee registering a consent to another institution", caller: bank,
      grant: grant { $0.granteeID = otherBank.id; $0.evidenceDigest = digest }, code: .permissionDenied,
      field: "grantee_institution_id", reason: "an institution may register consents only to itself"),
    Refusal(
      label: "a grantee that does not query", grant: grant { $0.granteeID = court.id },
      field: "grantee_institution_id", reason: "\"test-court\" is not an institution that queries"),
    Refusal(
      label: "a grantee that is not configured", grant: grant { $0.granteeID = "no-such-bank" },
      field: "grantee_institution_id", reason: "\"no-such-bank\" is not an institution that queries"),
    Refusal(
      label: "an institution without the query role registering for itself", caller: court,
      grant: grant { $0.granteeID = ""; $0.evidenceDigest = digest },
      field: "grantee_institution_id", reason: "\"test-court\" is not an institution that queries"),

    // What it is for.
    Refusal(label: "no purpose", grant: grant { $0.purpose = "" }, field: "purpose", reason: "is required"),
    Refusal(
      label: "a purpose not on the application list", grant: grant { $0.purpose = "fortune-telling" },
      field: "purpose", reason: "\"fortune-telling\" is not on the published application list"),
    Refusal(
      label: "a statutory purpose needs no consent", grant: grant { $0.purpose = "civil-servant-recruitment" },
      field: "purpose", reason: "\"civil-servant-recruitment\" is statutory and needs no consent"),
    Refusal(
      label: "a grantee that may not use the purpose", grant: grant { $0.granteeID = hrBureau.id },
      field: "purpose",
      reason: "\"test-hr-bureau\" may not query for \"commercial-loan\", so a consent to it would be void"),
    Refusal(
      label: "a grantee with some consent purposes but not this one",
      grant: grant { $0.granteeID = otherBank.id; $0.purpose = "commercial-insurance" }, field: "purpose",
      reason: "\"other-bank\" may not query for \"commercial-insurance\", so a consent to it would be void"),
    Refusal(
      label: "a category outside the purpose", grant: grant { $0.categories = ["loan-default", "exam-cheating"] },
      field: "categories", reason: "\"exam-cheating\" is not on the application list for purpose commercial-loan"),
    Refusal(
      label: "a category not in the catalogue", grant: grant { $0.categories = ["parking-ticket"] },
      field: "categories", reason: "\"parking-ticket\" is not on the application list for purpose commercial-loan"),

    // For how long.
    Refusal(
      label: "no valid_until: there is no lifetime consent", grant: grant { $0.validUntil = nil },
      field: "valid_until", reason: "is required: there is no lifetime consent"),
    Refusal(
      label: "valid_until a day ago", grant: grant { $0.validUntil = now.addingTimeInterval(-day) },
      field: "valid_until", reason: "is in the past"),
    Refusal(
      label: "valid_until == now", grant: grant { $0.validUntil = now }, field: "valid_until",
      reason: "is in the past"),
    Refusal(
      label: "valid_until one microsecond past the 365 days",
      grant: grant { $0.validUntil = now.addingTimeInterval(365 * day + microsecond) }, field: "valid_until",
      reason: "is more than 365 days away; a consent may run at most that long"),
    Refusal(
      label: "valid_until past a configured maximum of 30 days",
      grant: grant { $0.validUntil = now.addingTimeInterval(31 * day) }, maximumDays: 30, field: "valid_until",
      reason: "is more than 30 days away; a consent may run at most that long"),

    // On what evidence.
    Refusal(
      label: "the portal sending a digest that is not hex", grant: grant { $0.evidenceDigest = "not-a-digest" },
      field: "evidence_digest", reason: "must be the hex SHA-256 of the signed authorization form"),
    Refusal(
      label: "the portal sending 63 hex digits", grant: grant { $0.evidenceDigest = String(digest.dropLast()) },
      field: "evidence_digest", reason: "must be the hex SHA-256 of the signed authorization form"),
    Refusal(
      label: "a grantee registering without a digest", caller: bank, grant: grant { $0.granteeID = "" },
      field: "evidence_digest", reason: "is required: the hex SHA-256 of the signed authorization form"),
    Refusal(
      label: "a grantee sending 64 characters that are not all hex", caller: bank,
      grant: grant { $0.evidenceDigest = String(digest.dropLast()) + "g" },
      field: "evidence_digest", reason: "is required: the hex SHA-256 of the signed authorization form"),
    // Character.isHexDigit also accepts full-width digits (U+FF10…, U+FF41…): only ASCII is hex here.
    Refusal(
      label: "the portal sending 64 full-width hex digits",
      grant: grant { $0.evidenceDigest = String(repeating: "\u{FF41}", count: 64) },
      field: "evidence_digest", reason: "must be the hex SHA-256 of the signed authorization form"),
    Refusal(
      label: "a grantee sending 65 hex digits", caller: bank, grant: grant { $0.evidenceDigest = digest + "0" },
      field: "evidence_digest", reason: "is required: the hex SHA-256 of the signed authorization form"),

    // The first problem is the one reported, in the order of the fields above.
    Refusal(
      label: "wrong grantee before an unknown purpose", caller: bank,
      grant: grant { $0.granteeID = otherBank.id; $0.purpose = "fortune-telling" }, code: .permissionDenied,
      field: "grantee_institution_id", reason: "an institution may register consents only to itself"),
    Refusal(
      label: "a statutory purpose before a category outside it",
      grant: grant { $0.purpose = "civil-servant-recruitment"; $0.categories = ["loan-default"] },
      field: "purpose", reason: "\"civil-servant-recruitment\" is statutory and needs no consent"),
    Refusal(
      label: "a category outside the purpose before a missing valid_until",
      grant: grant { $0.categories = ["honour"]; $0.validUntil = nil },
      field: "categories", reason: "\"honour\" is not on the application list for purpose commercial-loan"),
    Refusal(
      label: "valid_until in the past before a missing digest", caller: bank,
      grant: grant { $0.granteeID = ""; $0.validUntil = now.addingTimeInterval(-day) },
      field: "valid_until", reason: "is in the past"),
  ]

  @Test("a grant that breaks a rule is refused with its code, field and reason", arguments: refusals)
  func refused(_ row: Refusal) throws {
    let lists = try TestSupport.shippedLists()
    let error = TestSupport.gatewayError {
      _ = try row.grant.validate(
        by: row.caller, institutions: { Self.institutions[$0] }, lists: lists, now: Self.now,
        maximumDays: row.maximumDays, id: "c-test")
    }
    #expect(error?.code == row.code)
    #expect(error?.field == row.field)
    #expect(error?.reason == row.reason)
    // Reasons reach the caller and the audit log: never a subject code (DESIGN §2, STYLE 7).
    #expect(error?.message.contains(Codes.person) == false)
  }

  struct Acceptance: Sendable, CustomTestStringConvertible {
    var label: String
    var caller = ConsentGrantTests.portal
    var grant: ConsentGrant
    var expected: Consent
    var testDescription: String { label }
  }

  /// The consent the default grant becomes, changed by `change`.
  static func consent(_ change: (inout Consent) -> Void = { _ in }) -> Consent {
    var consent = Consent(
      id: "c-test", subjectCode: Codes.person, granteeID: bank.id, purpose: "commercial-loan",
      categories: ["loan-default", "housing-fund-default", "dishonest-judgment-debtor", "tax-arrears", "fraud"],
      validFrom: now, validUntil: now.addingTimeInterval(30 * day), recordedBy: portal.id)
    change(&consent)
    return consent
  }

  static let acceptances: [Acceptance] = [
    Acceptance(
      label: "the portal, no categories: every category of the purpose, no digest needed", grant: grant(),
      expected: consent()),
    Acceptance(
      label: "the portal, some categories: kept as sent", grant: grant { $0.categories = ["tax-arrears", "loan-default"] },
      expected: consent { $0.categories = ["tax-arrears", "loan-default"] }),
    Acceptance(
      label: "the portal with a digest in capitals: stored in lowercase",
      grant: grant { $0.evidenceDigest = digest.uppercased(); $0.maxUses = 2 },
      expected: consent { $0.evidenceDigest = digest; $0.maxUses = 2 }),
    Acceptance(
      label: "a grantee naming no grantee: itself, recorded by itself", caller: bank,
      grant: grant { $0.granteeID = ""; $0.evidenceDigest = digest; $0.categories = ["loan-default"] },
      expected: consent { $0.recordedBy = bank.id; $0.evidenceDigest = digest; $0.categories = ["loan-default"] }),
    Acceptance(
      label: "a grantee naming itself", caller: otherBank,
      grant: grant { $0.granteeID = otherBank.id; $0.evidenceDigest = digest },
      expected: consent { $0.granteeID = otherBank.id; $0.recordedBy = otherBank.id; $0.evidenceDigest = digest }),
    Acceptance(
      label: "exactly the longest a consent may run",
      grant: grant { $0.validUntil = now.addingTimeInterval(365 * day) },
      expected: consent { $0.validUntil = now.addingTimeInterval(365 * day) }),
    Acceptance(
      label: "one microsecond from now", grant: grant { $0.validUntil = now.addingTimeInterval(microsecond) },
      expected: consent { $0.validUntil = now.addingTimeInterval(microsecond) }),
  ]

  @Test("an accepted grant becomes the consent to store", arguments: acceptances)
  func accepted(_ row: Acceptance) throws {
    let consent = try row.grant.validate(
      by: row.caller, institutions: { Self.institutions[$0] }, lists: try TestSupport.shippedLists(),
      now: Self.now, maximumDays: ConsentRules.defaultMaximumDays, id: "c-test")
    #expect(consent == row.expected)
    #expect(consent.status(at: Self.now) == .active)
  }
}
