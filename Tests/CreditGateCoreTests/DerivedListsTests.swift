@testable import CreditGateCore
import Foundation
import Testing

/// Records and lists shared by the rules tests (derived lists, evaluation, measures, profiles).
enum RulesFixture {
  /// The day the rules run on. Three years before it is 2023-06-15.
  static let today = LocalDate(iso: "2026-06-15")!

  static func daysAgo(_ days: Int) -> LocalDate { today.adding(days: -days) }

  static func lists() throws -> PublishedLists { try TestSupport.shippedLists() }

  /// The scope of a query for `purpose`, narrowed to `requested`, under a consent for `consent`
  /// (nil: none), by an institution that sees `institution` (nil: every category).
  static func scope(
    _ purpose: Purpose, requested: [String] = [], consent: [String]? = nil, institution: Set<String>? = nil,
    lists: PublishedLists
  ) throws -> QueryScope {
    let querier = Institution(
      id: "test-querier", name: "test", roles: [.query], purposes: [purpose.code],
      categories: institution ?? Set(lists.categories.map(\.code)))
    let scope = try QueryScope(requested: requested, purpose: purpose, institution: querier, lists: lists)
    // As the gateway does: a consent narrows a query that asked for no categories.
    guard let consent, requested.isEmpty else { return scope }
    return scope.narrowed(toConsent: consent)
  }

  static func models(_ lists: PublishedLists) throws -> EvaluationModels {
    try EvaluationModels.load(from: TestSupport.configDirectory, lists: lists)
  }

  /// A stored record with a readable id. By default decided 30 days ago, the act 10 days before
  /// that, and disclosed until 60 days from `today`: current, whatever the category.
  static func record(
    _ id: String, _ category: String, _ severity: Severity? = nil, status: RecordStatus = .active,
    act: LocalDate? = nil, decided: LocalDate? = nil, ended: LocalDate? = nil,
    until: LocalDate? = nil, subject: String = Codes.person
  ) -> CreditRecord {
    let decided = decided ?? daysAgo(30)
    let content = RecordContent(
      providerID: "test-provider", providerRecordID: id, subjectCode: subject, category: category,
      severity: severity, title: category, documentNumber: "doc-\(id)",
      actDate: act ?? decided.adding(days: -10), decidedOn: decided, actEndedOn: ended,
      disclosureUntil: until ?? today.adding(days: 60))
    return CreditRecord(id: id, content: content, status: status, version: 1)
  }
}

/// One row of a derived-list table.
struct ListCase: Sendable, CustomTestStringConvertible {
  var label: String
  var records: [CreditRecord]
  /// The record ids that put the subject on the list; nil: not on it.
  var expected: [String]?
  var testDescription: String { label }
}

@Suite("DerivedLists")
struct DerivedListsTests {
  typealias R = RulesFixture

  // MARK: Serious-dishonesty list (严重失信主体名单)

  static let seriousCases: [ListCase] = [
    ListCase(
      label: "active serious dishonest-judgment-debtor (listed)",
      records: [R.record("d1", "dishonest-judgment-debtor", .serious)], expected: ["d1"]),
    ListCase(
      label: "active serious serious-tax-violation (listed)",
      records: [R.record("t1", "serious-tax-violation", .serious)], expected: ["t1"]),
    ListCase(label: "active serious fraud (listed)", records: [R.record("f1", "fraud", .serious)], expected: ["f1"]),
    ListCase(
      label: "active serious exam-cheating (listed)",
      records: [R.record("e1", "exam-cheating", .serious)], expected: ["e1"]),
    ListCase(
      label: "active serious social-insurance-arrears (listed)",
      records: [R.record("s1", "social-insurance-arrears", .serious)], expected: ["s1"]),
    ListCase(
      label: "active serious judgment-nonperformance of a government body (listed)",
      records: [R.record("g1", "judgment-nonperformance", .serious, subject: Codes.government)],
      expected: ["g1"]),
    ListCase(
      label: "GENERAL dishonest-judgment-debtor",
      records: [R.record("d1", "dishonest-judgment-debtor", .general)], expected: nil),
    ListCase(
      label: "MINOR dishonest-judgment-debtor",
      records: [R.record("d1", "dishonest-judgment-debtor", .minor)], expected: nil),
    ListCase(
      label: "serious admin-penalty (category not listed)",
      records: [R.record("p1", "admin-penalty", .serious)], expected: nil),
    ListCase(
      label: "serious tax-arrears (category not listed)",
      records: [R.record("t1", "tax-arrears", .serious)], expected: nil),
    ListCase(
      label: "serious loan-default (category not listed)",
      records: [R.record("l1", "loan-default", .serious)], expected: nil),
    ListCase(
      label: "DISPUTED serious dishonest-judgment-debtor still lists (flagged, not set aside)",
      records: [R.record("d1", "dishonest-judgment-debtor", .serious, status: .disputed)], expected: ["d1"]),
    .init(
      label: "OBJECTION_UPHELD serious dishonest-judgment-debtor",
      records: [R.record("d1", "dishonest-judgment-debtor", .serious, status: .objectionUpheld)], expected: nil),
    ListCase(
      label: "REVOKED serious dishonest-judgment-debtor",
      records: [R.record("d1", "dishonest-judgment-debtor", .serious, status: .revoked)], expected: nil),
    ListCase(
      label: "REPAIRED serious dishonest-judgment-debtor",
      records: [R.record("d1", "dishonest-judgment-debtor", .serious, status: .repaired)], expected: nil),
    // disclosure_until 2026-06-14 < today 2026-06-15: no longer disclosed.
    ListCase(
      label: "serious dishonest-judgment-debtor one day past disclosure_until",
      records: [R.record("d1", "dishonest-judgment-debtor", .serious, until: R.daysAgo(1))], expected: nil),
    // disclosure_until 2026-06-15 == today: still disclosed.
    ListCase(
      label: "serious dishonest-judgment-debtor on its last disclosure day",
      records: [R.record("d1", "dishonest-judgment-debtor", .serious, until: R.today)], expected: ["d1"]),
    // The act ended 2021-06-14; five years later is 2026-06-14 < today, so it is no longer
    // supplied although disclosure_until (2026-12-31) has not come.
    ListCase(
      label: "serious fraud whose act ended five years and one day ago",
      records: [
        R.record(
          "f1", "fraud", .serious, act: LocalDate(iso: "2021-01-10")!, decided: LocalDate(iso: "2024-01-01")!,
          ended: LocalDate(iso: "2021-06-14")!, until: LocalDate(iso: "2026-12-31")!)
      ],
      expected: nil),
    ListCase(
      label: "two listed serious records among others: both named, the others not",
      records: [
        R.record("a-general", "dishonest-judgment-debtor", .general),
        R.record("b-serious", "dishonest-judgment-debtor", .serious),
        R.record("c-penalty", "admin-penalty", .serious),
        R.record("d-revoked", "fraud", .serious, status: .revoked),
        R.record("e-tax", "serious-tax-violation", .serious),
        R.record("f-honour", "honour"),
      ],
      expected: ["b-serious", "e-tax"]),
    ListCase(label: "no records", records: [], expected: nil),
  ]

  @Test("the serious-dishonesty list takes disclosed serious records of listed categories, disputed ones too", arguments: seriousCases)
  func seriousDishonesty(_ row: ListCase) throws {
    let lists = try R.lists()
    let memberships = DerivedLists.memberships(records: row.records, lists: lists, today: R.today)
    let membership = memberships.first { $0.list == .seriousDishonesty }
    #expect(membership.map { Set($0.recordIDs) } == row.expected.map(Set.init))
    #expect(membership.map(\.recordIDs.count) == row.expected?.count)
  }

  // MARK: Red list (红名单)

  // today 2026-06-15; three years before: 2023-06-15.
  static let redCases: [ListCase] = [
    ListCase(label: "an honour and nothing else", records: [R.record("h1", "honour")], expected: ["h1"]),
    ListCase(label: "no records", records: [], expected: nil),
    ListCase(
      label: "no honour: volunteer service and charity are not honours",
      records: [R.record("v1", "volunteer-service"), R.record("c1", "charity")], expected: nil),
    ListCase(
      label: "an honour and a volunteer record: only the honour is named",
      records: [R.record("h1", "honour"), R.record("v1", "volunteer-service")], expected: ["h1"]),
    ListCase(
      label: "two honours are both named",
      records: [R.record("h1", "honour"), R.record("h2", "honour")], expected: ["h1", "h2"]),
    // Decided 2023-06-14 = 2026-06-15 − 3 years − 1 day: outside the three years (DESIGN §5
    // counts from the decision, not the act).
    ListCase(
      label: "a serious penalty decided 3 years + 1 day ago does not block",
      records: [
        R.record("h1", "honour"),
        R.record(
          "p1", "admin-penalty", .serious, act: LocalDate(iso: "2023-06-01")!, decided: LocalDate(iso: "2023-06-14")!,
          until: LocalDate(iso: "2026-06-19")!),
      ],
      expected: ["h1"]),
    // Decided 2023-06-16 = 2026-06-15 − 3 years + 1 day: inside the three years, though the act
    // was before them.
    ListCase(
      label: "a serious penalty decided 3 years − 1 day ago blocks",
      records: [
        R.record("h1", "honour"),
        R.record(
          "p1", "admin-penalty", .serious, act: LocalDate(iso: "2023-06-01")!, decided: LocalDate(iso: "2023-06-16")!,
          until: LocalDate(iso: "2026-06-19")!),
      ],
      expected: nil),
    ListCase(
      label: "a general loan default last month blocks",
      records: [R.record("h1", "honour"), R.record("l1", "loan-default", .general)], expected: nil),
    ListCase(
      label: "a disputed breach still blocks",
      records: [R.record("h1", "honour"), R.record("l1", "loan-default", .general, status: .disputed)],
      expected: nil),
    // DESIGN §5: what stops being disclosed stops counting, on the lists too.
    ListCase(
      label: "a breach inside the three years but past its disclosure end does not block",
      records: [
        R.record("h1", "honour"),
        R.record("p1", "admin-penalty", .minor, act: R.daysAgo(200), decided: R.daysAgo(190), until: R.daysAgo(100)),
      ],
      expected: ["h1"]),
    ListCase(
      label: "a breach inside the three years, disclosed until today, blocks",
      records: [
        R.record("h1", "honour"),
        R.record("p1", "admin-penalty", .minor, act: R.daysAgo(200), decided: R.daysAgo(190), until: R.today),
      ],
      expected: nil),
    ListCase(
      label: "a revoked breach does not block",
      records: [R.record("h1", "honour"), R.record("d1", "dishonest-judgment-debtor", .serious, status: .revoked)],
      expected: ["h1"]),
    ListCase(
      label: "a repaired breach does not block",
      records: [R.record("h1", "honour"), R.record("t1", "tax-arrears", .general, status: .repaired)],
      expected: ["h1"]),
    ListCase(
      label: "a recent trust-keeping or neutral record does not block",
      records: [R.record("h1", "honour"), R.record("q1", "occupation-qualification"), R.record("i1", "identity")],
      expected: ["h1"]),
    ListCase(
      label: "a revoked honour does not count",
      records: [R.record("h1", "honour", status: .revoked)], expected: nil),
    ListCase(
      label: "a disputed honour still counts",
      records: [R.record("h1", "honour", status: .disputed)], expected: ["h1"]),
    .init(
      label: "an honour withdrawn on an objection does not count",
      records: [R.record("h1", "honour", status: .objectionUpheld)], expected: nil),
    ListCase(
      label: "an honour past its disclosure end does not count",
      records: [R.record("h1", "honour", until: R.daysAgo(1))], expected: nil),
  ]

  @Test("the red list: an honour on record and no trust-breaking record decided in three years", arguments: redCases)
  func red(_ row: ListCase) throws {
    let lists = try R.lists()
    let memberships = DerivedLists.memberships(records: row.records, lists: lists, today: R.today)
    let membership = memberships.first { $0.list == .red }
    #expect(membership.map { Set($0.recordIDs) } == row.expected.map(Set.init))
    #expect(membership.map(\.recordIDs.count) == row.expected?.count)
  }

  /// The last day of "in three years" is the anniversary itself, as for the five-year rule
  /// (`Disclosure`: an act that ended 2018-03-10 is still supplied on 2023-03-10) and for
  /// `disclosure_until`: a decision on 2023-06-15 is not yet more than three years before 2026-06-15.
  @Test("a trust-breaking record decided exactly three years ago (2023-06-15) still blocks the red list")
  func redListAnniversary() throws {
    let lists = try R.lists()
    let records = [
      R.record("h1", "honour"),
      R.record(
        "p1", "admin-penalty", .serious, act: LocalDate(iso: "2023-06-01")!, decided: LocalDate(iso: "2023-06-15")!,
        until: LocalDate(iso: "2026-06-19")!),
    ]
    let memberships = DerivedLists.memberships(records: records, lists: lists, today: R.today)
    #expect(!memberships.contains { $0.list == .red })
  }

  @Test("on 29 February the three years reach back to 28 February")
  func redListLeapDay() throws {
    let lists = try R.lists()
    let today = LocalDate(iso: "2028-02-29")!
    // 2028-02-29 − 3 years → 2025-02-28 (no 29th). A decision on 2025-02-27 is outside, one on
    // 2025-03-01 inside.
    func red(act: String) -> Bool {
      let records = [
        R.record("h1", "honour", decided: today.adding(days: -30), until: today.adding(days: 30)),
        R.record(
          "p1", "admin-penalty", .minor, act: LocalDate(iso: act)!, decided: LocalDate(iso: act)!,
          until: today.adding(days: 30)),
      ]
      return DerivedLists.memberships(records: records, lists: lists, today: today).contains { $0.list == .red }
    }
    #expect(red(act: "2025-02-27"))
    #expect(!red(act: "2025-03-01"))
  }

  @Test("a subject can be on the serious-dishonesty list and then never on the red list")
  func bothLists() throws {
    let lists = try R.lists()
    let records = [R.record("h1", "honour"), R.record("d1", "dishonest-judgment-debtor", .serious)]
    let memberships = DerivedLists.memberships(records: records, lists: lists, today: R.today)
    #expect(memberships == [ListMembership(list: .seriousDishonesty, recordIDs: ["d1"])])
  }
}
