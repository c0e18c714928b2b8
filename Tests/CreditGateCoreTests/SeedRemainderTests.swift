@testable import CreditGateCore
import Foundation
import Testing

private typealias R = RulesFixture

/// Suspensions, public disclosure, complaints and repair by good deeds (issue 12).
@Suite("Suspensions")
struct SuspensionTests {
  static let now = Date(timeIntervalSince1970: 1_780_000_000)

  static func suspension(operatorID: String? = nil, until: Date? = nil, lifted: Bool = false) -> Suspension {
    Suspension(
      id: "susp-1", institutionID: "bank", operatorID: operatorID, reason: "超范围查询", since: now.addingTimeInterval(-60),
      until: until, suspendedBy: "office", liftedAt: lifted ? now.addingTimeInterval(-1) : nil)
  }

  struct Row: Sendable, CustomTestStringConvertible {
    var label: String
    var suspension: Suspension
    var institution: String
    var operatorID: String
    var refused: Bool
    var testDescription: String { label }
  }

  static let rows: [Row] = [
    .init(label: "the institution, any operator", suspension: suspension(), institution: "bank", operatorID: "op-1", refused: true),
    .init(label: "another institution", suspension: suspension(), institution: "court", operatorID: "op-1", refused: false),
    .init(label: "the operator suspended", suspension: suspension(operatorID: "op-1"), institution: "bank", operatorID: "op-1", refused: true),
    .init(label: "another operator of it", suspension: suspension(operatorID: "op-1"), institution: "bank", operatorID: "op-2", refused: false),
    .init(label: "lifted", suspension: suspension(lifted: true), institution: "bank", operatorID: "op-1", refused: false),
    .init(label: "ended", suspension: suspension(until: now.addingTimeInterval(-1)), institution: "bank", operatorID: "op-1", refused: false),
    .init(label: "not yet ended", suspension: suspension(until: now.addingTimeInterval(1)), institution: "bank", operatorID: "op-1", refused: true),
  ]

  @Test("which calls a suspension refuses", arguments: rows)
  func refusal(_ row: Row) throws {
    let refusal = SuspensionRules.refusal(
      institutionID: row.institution, operatorID: row.operatorID, suspensions: [row.suspension], now: Self.now)
    #expect((refusal != nil) == row.refused)
    if let refusal {
      #expect(refusal.code == .permissionDenied && refusal.reason.contains("susp-1") && refusal.reason.contains("超范围查询"))
    }
  }

  @Test("suspending: a configured institution, a reason, an end in the future, never oneself; lifting once")
  func rules() throws {
    func suspend(_ id: String = "bank", reason: String = "r", until: Date? = nil, by: String = "office") throws(GatewayError)
      -> Suspension
    {
      try SuspensionRules.suspend(
        institutionID: id, operatorID: nil, reason: reason, until: until, by: by, at: Self.now,
        institutions: ["bank", "office"], id: "s")
    }
    #expect(TestSupport.gatewayError { _ = try suspend("nobody") }?.code == .notFound)
    #expect(TestSupport.gatewayError { _ = try suspend("office") }?.code == .failedPrecondition)
    #expect(TestSupport.gatewayError { _ = try suspend(reason: " ") }?.field == "reason")
    #expect(TestSupport.gatewayError { _ = try suspend(until: Self.now) }?.field == "until")
    let made = try suspend(until: Self.now.addingTimeInterval(3600))
    #expect(made.isActive(at: Self.now) && made.suspendedBy == "office")

    let lifted = try SuspensionRules.lift(made, id: "s", by: "office", reason: "整改完毕", at: Self.now)
    #expect(!lifted.isActive(at: Self.now) && lifted.liftReason == "整改完毕")
    #expect(TestSupport.gatewayError { _ = try SuspensionRules.lift(lifted, id: "s", by: "o", reason: "r", at: Self.now) }?.code == .failedPrecondition)
    #expect(TestSupport.gatewayError { _ = try SuspensionRules.lift(nil, id: "s", by: "o", reason: "r", at: Self.now) }?.code == .notFound)
    let ended = Self.suspension(until: Self.now.addingTimeInterval(-1))
    #expect(TestSupport.gatewayError { _ = try SuspensionRules.lift(ended, id: "s", by: "o", reason: "r", at: Self.now) }?.reason.contains("ended") == true)
  }

  @Test("the registry enforces what it was last given")
  func registry() {
    let registry = SuspensionRegistry()
    #expect(registry.refusal(institutionID: "bank", operatorID: "op", now: Self.now) == nil)
    registry.replace(with: [Self.suspension()])
    #expect(registry.refusal(institutionID: "bank", operatorID: "op", now: Self.now) != nil)
    registry.replace(with: [Self.suspension(lifted: true)])
    #expect(registry.refusal(institutionID: "bank", operatorID: "op", now: Self.now) == nil)
    // Reported by two concurrent calls in either order, a lifting is never undone.
    let late = SuspensionRegistry()
    late.lift(id: "susp-1", at: Self.now, by: "office", reason: "r")
    late.add(Self.suspension())
    #expect(late.refusal(institutionID: "bank", operatorID: "op", now: Self.now) == nil)
    let inOrder = SuspensionRegistry()
    inOrder.add(Self.suspension())
    #expect(inOrder.refusal(institutionID: "bank", operatorID: "op", now: Self.now) != nil)
    inOrder.lift(id: "susp-1", at: Self.now, by: "office", reason: "r")
    #expect(inOrder.refusal(institutionID: "bank", operatorID: "op", now: Self.now) == nil)
  }
}

@Suite("PublicDisclosure")
struct PublicDisclosureTests {
  let lists: PublishedLists
  init() throws { lists = try R.lists() }

  @Test(
    "names and codes are masked; a government body's are not",
    arguments: [
      ("张伟", SubjectKind.person, "张*"), ("欧阳娜娜", .person, "欧***"), ("李", .person, "*"),
      ("杭州示例科技有限公司", .organisation, "杭州**科技有限公司"), ("示例有限公司", .organisation, "示例*限公司"),
      ("示例市城市建设局", .government, "示例市城市建设局"),
    ])
  func names(_ name: String, _ kind: SubjectKind, _ masked: String) {
    #expect(PublicDisclosure.maskedName(name, kind: kind) == masked)
  }

  @Test("codes keep four characters at each end")
  func codes() {
    #expect(PublicDisclosure.maskedCode("330102198506150040", kind: .person) == "3301**********0040")
    #expect(PublicDisclosure.maskedCode("91330106MA2B00001Y", kind: .organisation) == "9133**********001Y")
    #expect(PublicDisclosure.maskedCode(Codes.government, kind: .government) == Codes.government)
  }

  @Test("an entry shows the records that list the subject, inside their period only, masked")
  func entries() throws {
    let subject = Subject(code: "330102198506150040", kind: .person, name: "李娜")
    let serious = R.record("d1", "dishonest-judgment-debtor", .serious, until: R.today.adding(days: 10), subject: subject.code)
    let penalty = R.record("p1", "admin-penalty", .general, subject: subject.code)
    func entry(on day: LocalDate, region: String? = nil, category: String? = nil) -> PublicDisclosure.Entry? {
      PublicDisclosure.entry(
        subject: subject, records: [serious, penalty], list: .seriousDishonesty, region: region, category: category,
        lists: lists, today: day)
    }
    let shown = try #require(entry(on: R.today))
    #expect(shown.maskedName == "李*" && shown.maskedCode == "3301**********0040")
    #expect(shown.records.map(\.id) == ["d1"], "only the record that lists her")
    #expect(shown.records.allSatisfy { $0.content.subjectCode == "3301**********0040" })
    #expect(entry(on: R.today.adding(days: 11)) == nil, "past its disclosure period")
    #expect(entry(on: R.today, region: "330102") != nil)
    #expect(entry(on: R.today, region: "3302") == nil)
    #expect(entry(on: R.today, category: "serious-tax-violation") == nil)
    #expect(entry(on: R.today, category: "dishonest-judgment-debtor") != nil)
    #expect(PublicDisclosure.categories(of: .red, lists: lists) == ["honour"])
    #expect(PublicDisclosure.categories(of: .seriousDishonesty, lists: lists).contains("dishonest-judgment-debtor"))
  }

  @Test("page tokens: opaque, bound to their listing, refused when altered")
  func tokens() throws {
    let tokens = PageTokens(secret: Array(repeating: 7, count: 32))
    let token = tokens.token(after: "330102198506150040", listing: "red")
    #expect(!token.contains("330102"))
    #expect(try tokens.position(of: token, listing: "red") == "330102198506150040")
    #expect(TestSupport.gatewayError { _ = try tokens.position(of: token, listing: "serious-dishonesty") }?.field == "page_token")
    var altered = Array(token)
    altered[10] = altered[10] == "A" ? "B" : "A"
    #expect(TestSupport.gatewayError { _ = try tokens.position(of: String(altered), listing: "red") }?.field == "page_token")
    let other = PageTokens(secret: Array(repeating: 8, count: 32))
    #expect(TestSupport.gatewayError { _ = try other.position(of: token, listing: "red") }?.field == "page_token")
  }
}

@Suite("Complaints and repair by good deeds")
struct ComplaintAndGroundsTests {
  let lists: PublishedLists
  let grounds: RepairGrounds
  init() throws {
    lists = try R.lists()
    grounds = try RepairGrounds.load(from: TestSupport.configDirectory, lists: lists)
  }

  @Test("a complaint names a registered government body and a government trust-breaking category")
  func complaint() throws {
    let body = Subject(code: Codes.government, kind: .government, name: "示例市城市建设局")
    func file(_ subject: Subject?, _ category: String, description: String = "拖欠工程款") throws(GatewayError) -> CreditCase {
      try CaseRules.complaint(
        about: subject, category: category, category: lists.category(category), description: description, id: "case-c",
        at: Date(timeIntervalSince1970: 1_781_000_000), today: R.today, calendar: .mondayToFriday)
    }
    #expect(TestSupport.gatewayError { _ = try file(nil, "contract-breach") }?.code == .notFound)
    let person = Subject(code: Codes.person, kind: .person, name: "张三")
    #expect(TestSupport.gatewayError { _ = try file(person, "contract-breach") }?.field == "government_code")
    #expect(TestSupport.gatewayError { _ = try file(body, "admin-penalty") }?.field == "category")
    #expect(TestSupport.gatewayError { _ = try file(body, "commitment-kept") }?.field == "category")
    #expect(TestSupport.gatewayError { _ = try file(body, "contract-breach", description: "") }?.field == "description")
    let filed = try file(body, "contract-breach")
    #expect(filed.kind == .complaint && filed.recordID.isEmpty && filed.subjectCode == Codes.government)
    // Fifteen working days, Monday to Friday here: three weeks.
    #expect(filed.decideBy == R.today.adding(days: 21))

    // Upheld, it becomes a general record on the body, by the credit office, under the case id.
    let content = CaseRules.complaintRecord(filed, category: lists.category("contract-breach"), decidedBy: "office", today: R.today)
    let decision = CaseDecision(caseID: "case-c", upheld: true, reason: "查实", decidedBy: "office", at: Date(), complaintRecord: content)
    let outcome = try decision.apply(case: filed, record: nil)
    #expect(outcome.decided.status == .upheld && outcome.decided.recordID == content.recordID)
    #expect(outcome.newRecord == content && content.severity == .general && content.providerID == "office")
    #expect(content.disclosureUntil == R.today.adding(days: 365) && content.decidedOn == R.today)
    let rejected = try CaseDecision(caseID: "case-c", upheld: false, reason: "不实", decidedBy: "office", at: Date())
      .apply(case: filed, record: nil)
    #expect(rejected.decided.status == .rejected && rejected.newRecord == nil)
  }

  @Test("grounds: the person's own trust-keeping records of a category that counts, in force; required where configured")
  func groundsRules() {
    let penalty = R.record("p", "admin-penalty", .general, decided: R.daysAgo(100))
    let volunteer = R.record("v", "volunteer-service")
    let charity = R.record("c", "charity")
    let honour = R.record("h", "honour")
    let stranger = R.record("x", "volunteer-service", subject: Codes.otherPerson)
    let expired = R.record("e", "volunteer-service", until: R.daysAgo(1))
    func check(_ record: CreditRecord, _ cited: [CreditRecord?], ids: [String]? = nil) -> GatewayError? {
      do {
        try grounds.check(
          record: record, ids: ids ?? cited.map { $0?.id ?? "missing" }, cited: cited, category: lists.category,
          today: R.today)
        return nil
      } catch { return error }
    }
    #expect(check(penalty, [volunteer, charity]) == nil)
    #expect(check(penalty, []) == nil, "not required for admin-penalty")
    #expect(check(penalty, [honour])?.reason.contains("does not count") == true)
    #expect(check(penalty, [stranger])?.code == .notFound)
    #expect(check(penalty, [nil])?.code == .notFound)
    #expect(check(penalty, [expired])?.reason.contains("not in force") == true)
    #expect(check(penalty, [volunteer, volunteer])?.reason.contains("twice") == true)
    let tax = R.record("t", "serious-tax-violation", .serious, decided: R.daysAgo(400))
    #expect(check(tax, [])?.reason.contains("needs a ground") == true)
    #expect(check(tax, [charity]) == nil)
    #expect(check(tax, [volunteer])?.field == "ground_record_ids[0]")
  }

  @Test("the grounds file is checked against the catalogue")
  func groundsValidation() {
    #expect(throws: ListError.self) {
      try RepairGrounds(rules: [.init(category: "exam-cheating", grounds: ["charity"])]).validate(lists: lists, file: "f")
    }
    #expect(throws: ListError.self) {
      try RepairGrounds(rules: [.init(category: "admin-penalty", grounds: ["fraud"])]).validate(lists: lists, file: "f")
    }
    #expect(grounds.rule(for: "serious-tax-violation")?.required == true)
  }
}
