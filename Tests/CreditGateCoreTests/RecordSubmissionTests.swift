@testable import CreditGateCore
import Foundation
import Testing

/// A fixed "today", well after every decision date below.
private let today = LocalDate(iso: "2026-06-30")!

/// A provider that may submit every category of the shipped catalogue.
private func platform(_ lists: PublishedLists) -> Institution {
  Institution(
    id: "test-data-platform", name: "测试公共数据平台", roles: [.provider],
    categories: Set(lists.categories.map(\.code)), registers: Set(SubjectKind.allCases))
}

/// A court that may submit only judgment categories.
private let court = Institution(
  id: "test-court", name: "测试法院", roles: [.provider],
  categories: ["dishonest-judgment-debtor", "judgment-nonperformance"])

/// A valid trust-breaking submission about a person. Decided 2023-12-01, so that the bounds
/// below cross 29 February 2024.
private let base = RecordSubmission(
  providerRecordID: "case-2023-001", subjectCode: Codes.person, category: "admin-penalty",
  severity: .general, title: "行政处罚决定", documentNumber: "杭市监罚〔2023〕12号",
  actDate: "2023-10-10", decidedOn: "2023-12-01")

extension RecordSubmission {
  fileprivate func with(_ change: (inout RecordSubmission) -> Void) -> RecordSubmission {
    var copy = self
    change(&copy)
    return copy
  }
}

/// One disclosure_until a provider asks for, and what the gateway must store or refuse.
struct BoundCase: Sendable, CustomTestStringConvertible {
  var severity: Severity
  var requested: String
  /// The stored end, or nil if the request must be refused.
  var stored: String?
  var note: String
  var testDescription: String { "\(severity.rawValue) \(requested.isEmpty ? "(none)" : requested): \(note)" }
}

/// One malformed submission and the error it must produce.
struct FieldCase: Sendable, CustomTestStringConvertible {
  var name: String
  var submission: RecordSubmission
  var subjectKind: SubjectKind? = .person
  var byCourt = false
  var code: GatewayError.Code = .invalidArgument
  var field: String
  var testDescription: String { name }
}

@Suite("RecordSubmission.validate")
struct RecordSubmissionTests {
  let lists: PublishedLists

  init() throws {
    lists = try TestSupport.shippedLists()
  }

  // MARK: Disclosure bounds

  // Worked by hand from decided_on 2023-12-01 (2024 is a leap year):
  //   +0 = 2023-12-01; +90 = 2024-02-29 (30 days to 31 Dec, 31 in January, 29 in February);
  //   +365 = 2024-11-30; +1095 = 2026-11-30 (365 + 365 + 365, no 29 February in between).
  // The catalogue's bounds for trust-breaking categories: minor 0–90, general 90–365,
  // serious 365–1095 days.
  static let boundCases: [BoundCase] = [
    .init(severity: .minor, requested: "2023-12-01", stored: "2023-12-01", note: "minimum (0 days)"),
    .init(severity: .minor, requested: "2023-11-30", stored: nil, note: "a day before the decision"),
    .init(severity: .minor, requested: "2024-02-29", stored: "2024-02-29", note: "maximum (90 days)"),
    .init(severity: .minor, requested: "2024-03-01", stored: nil, note: "a day after the maximum"),
    .init(severity: .minor, requested: "", stored: "2024-02-29", note: "none: the maximum"),
    .init(severity: .general, requested: "2024-02-29", stored: "2024-02-29", note: "minimum (90 days)"),
    .init(severity: .general, requested: "2024-02-28", stored: nil, note: "a day before the minimum"),
    .init(severity: .general, requested: "2024-11-30", stored: "2024-11-30", note: "maximum (365 days)"),
    .init(severity: .general, requested: "2024-12-01", stored: nil, note: "a day after the maximum"),
    .init(severity: .general, requested: "2024-06-15", stored: "2024-06-15", note: "inside"),
    .init(severity: .general, requested: "", stored: "2024-11-30", note: "none: the maximum"),
    .init(severity: .serious, requested: "2024-11-30", stored: "2024-11-30", note: "minimum (365 days)"),
    .init(severity: .serious, requested: "2024-11-29", stored: nil, note: "a day before the minimum"),
    .init(severity: .serious, requested: "2026-11-30", stored: "2026-11-30", note: "maximum (1095 days)"),
    .init(severity: .serious, requested: "2026-12-01", stored: nil, note: "a day after the maximum"),
    .init(severity: .serious, requested: "", stored: "2026-11-30", note: "none: the maximum"),
  ]

  @Test("disclosure_until must lie inside the severity's bounds", arguments: boundCases)
  func disclosureBounds(_ bound: BoundCase) throws {
    let submission = base.with {
      $0.severity = bound.severity
      $0.disclosureUntil = bound.requested
    }
    let provider = platform(lists)
    if let stored = bound.stored {
      let content = try submission.validate(
        provider: provider, lists: lists, subjectKind: .person, today: today)
      #expect(content.disclosureUntil.iso == stored)
      #expect(content.severity == bound.severity)
    } else {
      let error = TestSupport.gatewayError {
        _ = try submission.validate(provider: provider, lists: lists, subjectKind: .person, today: today)
      }
      #expect(error?.code == .invalidArgument)
      #expect(error?.field == "disclosure_until")
    }
  }

  @Test("a trust-keeping record without disclosure_until gets the general maximum")
  func trustKeepingDefaultEnd() throws {
    let honour = base.with {
      $0.category = "honour"
      $0.severity = nil
    }
    let content = try honour.validate(
      provider: platform(lists), lists: lists, subjectKind: .person, today: today)
    let bound = try #require(lists.category("honour")?.disclosureBound(for: nil))
    #expect(content.disclosureUntil == LocalDate(iso: "2023-12-01")!.adding(days: bound.maxDays))
    #expect(content.severity == nil)
  }

  // MARK: The accepted content

  @Test("an accepted submission becomes the content to store, with the code normalised")
  func acceptedContent() throws {
    let submission = base.with {
      $0.subjectCode = " 33010619900101123x "
      $0.actEndedOn = "2024-01-05"
      $0.disclosureUntil = "2024-06-15"
    }
    let provider = platform(lists)
    let content = try submission.validate(
      provider: provider, lists: lists, subjectKind: .person, today: today)
    #expect(
      content
        == RecordContent(
          providerID: provider.id, providerRecordID: "case-2023-001", subjectCode: Codes.person,
          category: "admin-penalty", severity: .general, title: "行政处罚决定",
          documentNumber: "杭市监罚〔2023〕12号", actDate: LocalDate(iso: "2023-10-10")!,
          decidedOn: LocalDate(iso: "2023-12-01")!, actEndedOn: LocalDate(iso: "2024-01-05")!,
          disclosureUntil: LocalDate(iso: "2024-06-15")!))
    #expect(content.recordID == CreditRecord.recordID(provider: provider.id, providerRecordID: "case-2023-001"))
  }

  @Test("edge dates that are allowed: decided today, decided on the day of the act, ended on it")
  func edgeDatesAccepted() throws {
    let submission = base.with {
      $0.actDate = today.iso
      $0.decidedOn = today.iso
      $0.actEndedOn = today.iso
    }
    let content = try submission.validate(
      provider: platform(lists), lists: lists, subjectKind: .person, today: today)
    #expect(content.decidedOn == today)
    #expect(content.actEndedOn == today)
    #expect(content.disclosureUntil == today.adding(days: 365))
  }

  @Test("a government body's commitment record is accepted for a government subject")
  func governmentRecord() throws {
    let submission = base.with {
      $0.subjectCode = Codes.government
      $0.category = "commitment-broken"
      $0.severity = .serious
    }
    let content = try submission.validate(
      provider: platform(lists), lists: lists, subjectKind: .government, today: today)
    #expect(content.category == "commitment-broken")
    #expect(content.subjectCode == Codes.government)
  }

  // MARK: Every field error names its field

  static let fieldCases: [FieldCase] = [
    .init(name: "missing provider_record_id", submission: base.with { $0.providerRecordID = "" }, field: "provider_record_id"),
    .init(
      name: "provider_record_id too long",
      submission: base.with { $0.providerRecordID = String(repeating: "a", count: 129) }, field: "provider_record_id"),
    .init(name: "subject code with a wrong check character", submission: base.with { $0.subjectCode = "330106199001011231" }, field: "subject_code"),
    .init(name: "subject code too short", submission: base.with { $0.subjectCode = "3301061990" }, field: "subject_code"),
    .init(name: "empty subject code", submission: base.with { $0.subjectCode = "" }, field: "subject_code"),
    .init(name: "unregistered subject", submission: base, subjectKind: nil, field: "subject_code"),
    .init(name: "empty category", submission: base.with { $0.category = "" }, field: "category"),
    .init(name: "unknown category", submission: base.with { $0.category = "parking-ticket" }, field: "category"),
    .init(
      name: "category the provider may not submit",
      submission: base.with { $0.category = "fraud" }, byCourt: true, code: .permissionDenied, field: "category"),
    .init(
      name: "government category for a person",
      submission: base.with { $0.category = "commitment-broken" }, field: "category"),
    .init(
      name: "person category for an organisation",
      submission: base.with { $0.subjectCode = Codes.organisation; $0.category = "exam-cheating" },
      subjectKind: .organisation, field: "category"),
    .init(
      name: "person category for a government body",
      submission: base.with { $0.subjectCode = Codes.government; $0.category = "housing-fund-default" },
      subjectKind: .government, field: "category"),
    .init(name: "trust-breaking without severity", submission: base.with { $0.severity = nil }, field: "severity"),
    .init(
      name: "trust-keeping with severity",
      submission: base.with { $0.category = "honour"; $0.severity = .minor }, field: "severity"),
    .init(
      name: "neutral with severity",
      submission: base.with { $0.category = "identity"; $0.severity = .general }, field: "severity"),
    .init(name: "empty title", submission: base.with { $0.title = "" }, field: "title"),
    .init(name: "blank title", submission: base.with { $0.title = "   " }, field: "title"),
    .init(name: "missing act_date", submission: base.with { $0.actDate = "" }, field: "act_date"),
    .init(name: "act_date not a date", submission: base.with { $0.actDate = "2023-02-29" }, field: "act_date"),
    .init(name: "missing decided_on", submission: base.with { $0.decidedOn = "" }, field: "decided_on"),
    .init(name: "decided_on not a date", submission: base.with { $0.decidedOn = "2023/12/01" }, field: "decided_on"),
    .init(name: "act_ended_on not a date", submission: base.with { $0.actEndedOn = "2024-13-01" }, field: "act_ended_on"),
    .init(name: "disclosure_until not a date", submission: base.with { $0.disclosureUntil = "2024-2-01" }, field: "disclosure_until"),
    .init(name: "decided before the act", submission: base.with { $0.decidedOn = "2023-10-09" }, field: "decided_on"),
    .init(name: "decided in the future", submission: base.with { $0.decidedOn = "2026-07-01" }, field: "decided_on"),
    .init(name: "act ended before the act", submission: base.with { $0.actEndedOn = "2023-10-09" }, field: "act_ended_on"),
    // Issue 8, defect 5: a date near year 9999 must be refused, not stored.
    .init(name: "act ended in year 9998", submission: base.with { $0.actEndedOn = "9998-01-01" }, field: "act_ended_on"),
    .init(name: "act ended in the future", submission: base.with { $0.actEndedOn = "2026-07-01" }, field: "act_ended_on"),
    .init(
      name: "act in the future", submission: base.with { $0.actDate = "2026-07-01"; $0.decidedOn = "2026-07-01" },
      field: "act_date"),
    .init(
      name: "act before 1949", submission: base.with { $0.actDate = "1948-12-31"; $0.decidedOn = "1949-01-02" },
      field: "act_date"),
    .init(
      name: "act in year 0001", submission: base.with { $0.actDate = "0001-01-01"; $0.decidedOn = "0001-01-02" },
      field: "act_date"),
  ]

  @Test("a malformed submission is refused with the field named", arguments: fieldCases)
  func fieldErrors(_ fieldCase: FieldCase) {
    let provider = fieldCase.byCourt ? court : platform(lists)
    let error = TestSupport.gatewayError {
      _ = try fieldCase.submission.validate(
        provider: provider, lists: lists, subjectKind: fieldCase.subjectKind, today: today)
    }
    #expect(error?.code == fieldCase.code)
    #expect(error?.field == fieldCase.field)
    #expect(error?.reason.isEmpty == false)
    // Reasons never carry the subject code.
    #expect(error?.message.contains(Codes.person) == false)
  }

  @Test("the court may submit its own categories")
  func courtOwnCategory() throws {
    let submission = base.with { $0.category = "dishonest-judgment-debtor" }
    let content = try submission.validate(provider: court, lists: lists, subjectKind: .person, today: today)
    #expect(content.providerID == court.id)
  }
}
