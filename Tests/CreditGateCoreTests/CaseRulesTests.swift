@testable import CreditGateCore
import Foundation
import Testing

private typealias R = RulesFixture

/// One row of the repair table: a record and where it stands for repair on `R.today`.
struct RepairCase: Sendable, CustomTestStringConvertible {
  var label: String
  var record: CreditRecord
  var expected: RepairEligibility
  var testDescription: String { label }
}

/// Objections, repairs and their decisions (DESIGN §9), and what the person's own report says
/// of each record.
@Suite("CaseRules")
struct CaseRulesTests {
  let lists: PublishedLists
  let calendar: WorkingCalendar

  init() throws {
    lists = try R.lists()
    calendar = try WorkingCalendar.load(from: TestSupport.configDirectory)
  }

  // The general admin-penalty bound is 90…365 days, serious 365…1095; exam-cheating and fraud
  // are not repairable.
  static let repairCases: [RepairCase] = [
    .init(
      label: "a general penalty decided 100 days ago: past its 90-day minimum",
      record: R.record("p", "admin-penalty", .general, decided: R.daysAgo(100)),
      expected: .eligible(since: R.daysAgo(10))),
    .init(
      label: "a general penalty decided 90 days ago: the minimum ends the day before",
      record: R.record("p", "admin-penalty", .general, decided: R.daysAgo(90)), expected: .eligible(since: R.today)),
    .init(
      label: "a general penalty decided 89 days ago: possible tomorrow",
      record: R.record("p", "admin-penalty", .general, decided: R.daysAgo(89)), expected: .from(R.today.adding(days: 1))),
    .init(
      label: "a serious listed record decided 30 days ago: from a year after the decision",
      record: R.record("d", "dishonest-judgment-debtor", .serious, decided: R.daysAgo(30)),
      expected: .from(R.daysAgo(30).adding(days: 365))),
    .init(
      label: "a minor penalty: no minimum period",
      record: R.record("p", "admin-penalty", .minor, decided: R.today), expected: .eligible(since: R.today)),
    .init(
      label: "exam cheating cannot be repaired",
      record: R.record("e", "exam-cheating", .general, decided: R.daysAgo(400)),
      expected: .never("records of category \"exam-cheating\" cannot be repaired")),
    .init(
      label: "an honour is not repaired",
      record: R.record("h", "honour"), expected: .never("only trust-breaking records are repaired")),
    .init(
      label: "a repaired record", record: R.record("p", "admin-penalty", .general, status: .repaired, decided: R.daysAgo(200)),
      expected: .never("it is already repaired")),
    .init(
      label: "a disputed record waits for the objection",
      record: R.record("p", "admin-penalty", .general, status: .disputed, decided: R.daysAgo(200)),
      expected: .blocked("an objection against it is open; apply once it is decided")),
    .init(
      label: "a record past its disclosure period has nothing to repair",
      record: R.record("p", "admin-penalty", .general, decided: R.daysAgo(200), until: R.daysAgo(1)),
      expected: .never("it is no longer disclosed (its disclosure period ended on \(R.daysAgo(1))); there is nothing to repair")),
  ]

  @Test("repair eligibility", arguments: repairCases)
  func repair(_ row: RepairCase) {
    #expect(RepairEligibility.of(row.record, category: lists.category(row.record.content.category), today: R.today) == row.expected)
  }

  func file(_ kind: CaseKind, _ record: CreditRecord, statement: String = "记录有误", open: [CreditCase] = []) throws(GatewayError)
    -> CreditCase
  {
    try CaseRules.file(
      kind, record: record, category: lists.category(record.content.category), statement: statement, openCases: open,
      id: "case-1", at: Date(timeIntervalSince1970: 1_781_000_000), today: R.today, calendar: calendar)
  }

  @Test("an objection: marks the record disputed; one open at a time; the deadline in working days")
  func objection() throws {
    let record = R.record("p", "admin-penalty", .general)
    let filed = try file(.objection, record)
    #expect(filed.status == .open && filed.kind == .objection && filed.recordID == "p")
    // 2026-06-15 is a Monday; 06-19 (Fri) is the Dragon Boat Festival: Tue 16, 17, 18, Mon 22, Tue 23.
    #expect(filed.decideBy == LocalDate(iso: "2026-06-23"))
    #expect(filed.provisionalReason == nil)
    #expect(CaseRules.recordStatus(filing: .objection, record: record) == .disputed)
    #expect(CaseRules.recordStatus(filing: .repair, record: record) == .active)

    #expect(TestSupport.gatewayError { _ = try file(.objection, record, open: [filed]) }?.code == .failedPrecondition)
    // While the objection is open the record is disputed, and a repair waits for the decision.
    var disputed = R.record("p", "admin-penalty", .general, status: .disputed, decided: R.daysAgo(200))
    let waiting = try #require(TestSupport.gatewayError { _ = try file(.repair, disputed, open: [filed]) })
    #expect(waiting.code == .failedPrecondition && waiting.reason.contains("objection against it is open"))
    disputed.status = .active
    #expect((try? file(.repair, disputed, open: [filed]))?.kind == .repair, "an open objection does not block another kind")
    #expect(TestSupport.gatewayError { _ = try file(.objection, record, statement: "  ") }?.field == "statement")
    for status in [RecordStatus.repaired, .revoked, .objectionUpheld] {
      var withdrawn = record
      withdrawn.status = status
      #expect(TestSupport.gatewayError { _ = try file(.objection, withdrawn) }?.code == .failedPrecondition, "\(status)")
    }
  }

  @Test("a repair application is refused with the date it becomes possible, or why it never will")
  func repairApplication() throws {
    let early = R.record("p", "admin-penalty", .general, decided: R.daysAgo(10))
    let refusal = try #require(TestSupport.gatewayError { _ = try file(.repair, early) })
    #expect(refusal.code == .failedPrecondition)
    #expect(refusal.reason.contains(R.daysAgo(10).adding(days: 90).iso))
    let never = try #require(TestSupport.gatewayError { _ = try file(.repair, R.record("e", "exam-cheating", .serious)) })
    #expect(never.code == .failedPrecondition && never.reason.contains("cannot be repaired"))
    let filed = try file(.repair, R.record("p", "admin-penalty", .general, decided: R.daysAgo(100)))
    #expect(filed.kind == .repair && filed.status == .open)
  }

  @Test("a filing is checked against the record as stored: its category then, not when the call read it")
  func filingAgainstStoredRecord() throws {
    let filing = CaseFiling(
      kind: .repair, recordID: "p", subjectCode: Codes.person, statement: "已整改", catalogue: lists.categories,
      id: "case-1", at: Date(), today: R.today, calendar: calendar)
    // Resubmitted meanwhile as exam cheating, which cannot be repaired.
    let changed = R.record("p", "exam-cheating", .general, decided: R.daysAgo(100))
    let refusal = TestSupport.gatewayError { _ = try filing.apply(record: changed, cases: [], sequence: 1, origin: "o") }
    #expect(refusal?.code == .failedPrecondition && refusal?.reason.contains("cannot be repaired") == true)
    let stored = R.record("p", "admin-penalty", .general, decided: R.daysAgo(100))
    let (filed, status) = try filing.apply(record: stored, cases: [], sequence: 9, origin: "o")
    #expect(filed.filedSequence == 9 && filed.filedOrigin == "o" && status == .active && filed.category == "admin-penalty")
    var objection = filing
    objection.kind = .objection
    objection.groundRecordIDs = ["v"]
    #expect(TestSupport.gatewayError { _ = try objection.apply(record: stored, cases: [], sequence: 1, origin: "o") }?.field == "ground_record_ids")
  }

  @Test("another person's record is answered as missing")
  func ownRecord() {
    let record = R.record("p", "admin-penalty", .general)
    #expect(TestSupport.gatewayError { _ = try CaseRules.ownRecord(record, subjectCode: Codes.otherPerson) }?.code == .notFound)
    #expect(TestSupport.gatewayError { _ = try CaseRules.ownRecord(nil, subjectCode: Codes.person) }?.code == .notFound)
    #expect((try? CaseRules.ownRecord(record, subjectCode: Codes.person)) == record)
  }

  struct DecisionCase: Sendable, CustomTestStringConvertible {
    var kind: CaseKind
    var upheld: Bool
    var recordStatus: RecordStatus
    var caseStatus: CaseStatus
    var newStatus: RecordStatus?
    var testDescription: String { "\(kind) \(upheld ? "upheld" : "not upheld") on a \(recordStatus) record" }
  }

  static let decisions: [DecisionCase] = [
    .init(kind: .objection, upheld: true, recordStatus: .disputed, caseStatus: .upheld, newStatus: .objectionUpheld),
    .init(kind: .objection, upheld: false, recordStatus: .disputed, caseStatus: .rejected, newStatus: .active),
    .init(kind: .objection, upheld: true, recordStatus: .revoked, caseStatus: .upheld, newStatus: nil),
    .init(kind: .objection, upheld: false, recordStatus: .revoked, caseStatus: .rejected, newStatus: nil),
    .init(kind: .repair, upheld: true, recordStatus: .active, caseStatus: .approved, newStatus: .repaired),
    .init(kind: .repair, upheld: false, recordStatus: .active, caseStatus: .refused, newStatus: nil),
    .init(kind: .repair, upheld: true, recordStatus: .revoked, caseStatus: .approved, newStatus: nil),
  ]

  @Test("decisions and the record's new status", arguments: decisions)
  func decide(_ row: DecisionCase) throws {
    let record = R.record("p", "admin-penalty", .general, status: row.recordStatus)
    let open = CreditCase(
      id: "case-1", kind: row.kind, recordID: "p", subjectCode: Codes.person, category: "admin-penalty",
      statement: "s", filedAt: Date(), decideBy: R.today)
    let (decided, status) = try CaseRules.decide(
      open, record: record, upheld: row.upheld, reason: "核实", by: "credit-office", at: Date())
    #expect(decided.status == row.caseStatus)
    #expect(status == row.newStatus)
    #expect(decided.decidedBy == "credit-office" && decided.decisionReason == "核实" && decided.decidedAt != nil)
    // Once decided, never again; a decision needs a reason.
    #expect(
      TestSupport.gatewayError { _ = try CaseRules.decide(decided, record: record, upheld: true, reason: "r", by: "x", at: Date()) }?
        .code == .failedPrecondition)
    #expect(
      TestSupport.gatewayError { _ = try CaseRules.decide(open, record: record, upheld: true, reason: "", by: "x", at: Date()) }?
        .field == "reason")
  }

  @Test("a provider revokes only its own records, once")
  func revocable() {
    let record = R.record("p", "admin-penalty", .general)
    #expect(TestSupport.gatewayError { _ = try CaseRules.revocable(record, by: "other", field: "record_id") }?.code == .permissionDenied)
    #expect(TestSupport.gatewayError { _ = try CaseRules.revocable(nil, by: "test-provider", field: "record_id") }?.code == .notFound)
    var revoked = record
    revoked.status = .revoked
    #expect(TestSupport.gatewayError { _ = try CaseRules.revocable(revoked, by: "test-provider", field: "record_id") }?.code == .failedPrecondition)
    #expect((try? CaseRules.revocable(record, by: "test-provider", field: "record_id")) == record)
  }

  @Test("overdue open cases come first and are anomalies")
  func overdue() {
    func item(_ id: String, due: Int, status: CaseStatus = .open) -> CreditCase {
      CreditCase(
        id: id, kind: .objection, recordID: "r", subjectCode: Codes.person, category: "admin-penalty", statement: "s",
        filedAt: Date(timeIntervalSince1970: 0), filedSequence: 7, decideBy: R.today.adding(days: due), status: status)
    }
    let cases = [item("soon", due: 2), item("late", due: -3), item("done", due: -9, status: .upheld), item("later", due: -1)]
    #expect(cases.sorted(by: CreditCase.precedes(today: R.today)).map(\.id) == ["late", "later", "done", "soon"])
    let anomalies = AnomalyDetector.overdueCases(cases, today: R.today)
    #expect(anomalies.map(\.rule) == [AnomalyDetector.overdueCaseRule, AnomalyDetector.overdueCaseRule])
    #expect(anomalies.first?.description.contains("late") == true && anomalies.first?.description.contains("3 days overdue") == true)
    #expect(anomalies.allSatisfy { $0.sequences == [7] })
  }

  struct StandingCase: Sendable, CustomTestStringConvertible {
    var label: String
    var record: CreditRecord
    var withheld: String?
    var until: LocalDate?
    var testDescription: String { label }
  }

  static let standings: [StandingCase] = [
    .init(label: "an active penalty is disclosed", record: R.record("p", "admin-penalty", .general), withheld: nil, until: R.today.adding(days: 60)),
    .init(
      label: "a disputed penalty is still disclosed", record: R.record("p", "admin-penalty", .general, status: .disputed),
      withheld: nil, until: R.today.adding(days: 60)),
    .init(
      label: "past its disclosure end",
      record: R.record("p", "admin-penalty", .general, until: R.daysAgo(2)),
      withheld: "its disclosure period ended on \(R.daysAgo(2))", until: R.daysAgo(2)),
    .init(
      label: "the five-year limit comes before the disclosure end",
      record: R.record("p", "admin-penalty", .serious, ended: R.daysAgo(5 * 365 + 10), until: R.today.adding(days: 100)),
      withheld:
        "trust-breaking information is not supplied more than 5 years after the act ended (after \(R.daysAgo(5 * 365 + 10).adding(years: 5)))",
      until: R.daysAgo(5 * 365 + 10).adding(years: 5)),
    .init(label: "repaired", record: R.record("p", "admin-penalty", .general, status: .repaired), withheld: "repaired", until: R.today.adding(days: 60)),
    .init(
      label: "revoked", record: R.record("p", "admin-penalty", .general, status: .revoked), withheld: "revoked by its provider",
      until: R.today.adding(days: 60)),
    .init(
      label: "withdrawn on an objection", record: R.record("p", "admin-penalty", .general, status: .objectionUpheld),
      withheld: "an objection against it was upheld", until: R.today.adding(days: 60)),
    .init(label: "an honour: no end date or repair shown", record: R.record("h", "honour"), withheld: nil, until: nil),
  ]

  @Test("the own report's standing of each record", arguments: standings)
  func standing(_ row: StandingCase) {
    let category = lists.category(row.record.content.category)
    let standing = RecordStanding(row.record, category: category, today: R.today)
    #expect(standing.withheldReason == row.withheld)
    #expect(standing.disclosedUntil == row.until)
    #expect((standing.repair != nil) == (category?.polarity == .trustBreaking))
    // The standing and the disclosure rule agree.
    #expect((row.withheld == nil) == Disclosure.isDisclosable(row.record, category: category, today: R.today))
  }

  @Test("the own report shows every record; its evaluation and lists count only the disclosed ones")
  func ownReport() throws {
    let records = [
      R.record("h", "honour"),
      R.record("repaired", "dishonest-judgment-debtor", .serious, status: .repaired),
      R.record("p", "admin-penalty", .general, decided: R.daysAgo(4 * 365)),
    ]
    let report = OwnReport.assemble(
      kind: .person, records: records, entries: [], lists: lists, models: try R.models(lists), today: R.today)
    #expect(report.records == records)
    #expect(report.standings.map(\.withheldReason) == [nil, "repaired", nil])
    // The repaired serious record neither lists the person nor weighs on the evaluation: the
    // same as without it.
    #expect(report.memberships.map(\.list) == [.red])
    let without = OwnReport.assemble(
      kind: .person, records: [records[0], records[2]], entries: [], lists: lists, models: try R.models(lists), today: R.today)
    #expect(report.evaluation == without.evaluation)
  }

  @Test("who queried the person: CreditQuery calls by institution and purpose, answered and refused")
  func queriedBy() {
    func entry(_ institution: String, _ method: String, _ purpose: String, _ outcome: AuditOutcome, at seconds: Double) -> AuditEntry {
      AuditEntry(
        origin: "o", time: Date(timeIntervalSince1970: seconds), institutionID: institution, certificateFingerprint: "",
        operatorID: "", method: method, purpose: purpose, outcome: outcome, statusCode: outcome == .answered ? 0 : 7)
    }
    let query = AnomalyDetector.queryService + "GetProfile"
    let summary = OwnReport.summarize([
      entry("bank", query, "loan", .answered, at: 10),
      entry("bank", query, "loan", .denied, at: 30),
      entry("hr", query, "recruitment", .answered, at: 20),
      entry("portal", "/creditgate.v1.SubjectRights/GetOwnReport", "", .answered, at: 40),
    ])
    #expect(summary.map(\.institutionID) == ["bank", "hr"])
    #expect(summary.map(\.answered) == [1, 1])
    #expect(summary.map(\.refused) == [1, 0])
    #expect(summary.first?.lastAt == Date(timeIntervalSince1970: 30))
  }
}
