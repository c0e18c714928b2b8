@testable import CreditGateCore
import Foundation
import Testing

@Suite("ProfileAssembler")
struct ProfileAssemblerTests {
  typealias R = RulesFixture

  /// A person with a bit of everything. Points per the person model: trust-keeping +10,
  /// minor −5, general −20, serious −50.
  static let mixed: [CreditRecord] = [
    R.record("d1", "dishonest-judgment-debtor", .serious),  // law-abiding −50, listed
    R.record("p1", "admin-penalty", .general),  // law-abiding −20
    R.record("f1", "fraud", .general),  // law-abiding −20
    R.record("h1", "honour"),  // social-morality +10
    R.record("v1", "volunteer-service"),  // social-morality +10
    R.record("e1", "exam-cheating", .general),  // social-morality −20
    R.record("t1", "tax-arrears", .minor),  // economic −5
    R.record("l1", "loan-default", .general),  // economic −20
    R.record("s1", "social-insurance-arrears", .serious),  // economic −50, listed
    R.record("q1", "occupation-qualification"),  // ability +10
    R.record("i1", "identity"),  // neutral: 0
    R.record("x1", "serious-tax-violation", .serious, status: .revoked),  // gone
    R.record("o1", "admin-penalty", .minor, until: R.daysAgo(1)),  // disclosure over
  ]

  /// The answer for `purposeCode`, narrowed to `narrowing` if given, by an institution that
  /// may see every category.
  static func assemble(
    _ purposeCode: String, _ records: [CreditRecord] = mixed, kind: SubjectKind = .person,
    narrowing: [String] = []
  ) throws -> Profile {
    let lists = try R.lists()
    let purpose = try #require(lists.purpose(purposeCode))
    let scope = try R.scope(purpose, requested: narrowing, lists: lists)
    return ProfileAssembler.assemble(
      subjectKind: kind, records: records, purpose: purpose, scope: scope,
      lists: lists, models: try R.models(lists), today: R.today)
  }

  @Test(
    "records: only the purpose's (narrowed) categories, only disclosable ones",
    arguments: [
      ("civil-servant-recruitment", nil, ["d1", "f1", "e1"]),
      ("admin-licensing", nil, ["d1", "p1", "h1", "t1"]),  // x1 revoked, o1 past its end
      ("commercial-loan", nil, ["d1", "f1", "t1", "l1"]),
      ("household-registration", nil, ["d1", "s1", "h1", "v1"]),
      ("personnel-exam", nil, ["e1"]),
      ("admin-licensing", ["honour"], ["h1"]),
      ("government-integrity-review", [], []),
    ] as [(String, [String]?, Set<String>)])
  func records(_ purpose: String, _ narrowing: [String]?, _ expected: Set<String>) throws {
    let profile = try Self.assemble(purpose, narrowing: narrowing ?? [])
    #expect(Set(profile.records.map(\.id)) == expected)
    #expect(profile.records.count == expected.count)
  }

  @Test(
    "the evaluation is part of the answer only when the purpose shows the grade",
    arguments: [
      ("admin-licensing", SubjectKind.person, true), ("civil-servant-recruitment", .person, false),
      ("commercial-loan", .person, true), ("household-registration", .person, false),
      ("marriage-employment", .person, false), ("government-integrity-review", .government, true),
    ])
  func evaluationOnlyWithGrade(_ purpose: String, _ kind: SubjectKind, _ shown: Bool) throws {
    let profile = try Self.assemble(purpose, kind: kind)
    #expect((profile.evaluation != nil) == shown)
  }

  @Test("admin-licensing: the evaluation rests on the disclosed records alone, each named")
  func factorsForAdminLicensing() throws {
    let profile = try Self.assemble("admin-licensing")
    let evaluation = try #require(profile.evaluation)
    let factors = Dictionary(uniqueKeysWithValues: evaluation.dimensions.map { ($0.dimension, $0.factors.map(\.description)) })
    // q1, f1, l1, s1, v1 and e1 are outside admin-licensing: they move nothing.
    #expect(factors["identity"] == [])
    #expect(factors["ability"] == [])
    #expect(factors["law-abiding"] == ["d1 (dishonest-judgment-debtor) -50", "p1 (admin-penalty) -20"])
    #expect(factors["economic"] == ["t1 (tax-arrears) -5"])
    #expect(factors["social-morality"] == ["h1 (honour) +10"])
    // identity 100; ability 100; law 100 − 50 − 20 = 30; economic 100 − 5 = 95; social 110.
    // Total 435: C (380 ≤ 435 < 450).
    #expect(evaluation.dimensions.map(\.score) == [100, 100, 30, 95, 110])
    #expect(evaluation.total == 435)
    #expect(evaluation.grade == "C")
    #expect(evaluation.modelVersion == "person-2026.1")
    #expect(profile.evaluationBasis == "the 4 records in this answer")
  }

  @Test(
    "each dimension's score is the base plus its factors, and every factor names a disclosed record",
    arguments: [
      ("admin-licensing", []), ("commercial-loan", []), ("commercial-insurance", []),
      ("investment", []), ("admin-licensing", ["honour"]), ("admin-licensing", ["admin-licence"]),
    ] as [(String, [String])])
  func factorsAddUp(_ purpose: String, _ narrowing: [String]) throws {
    let profile = try Self.assemble(purpose, narrowing: narrowing)
    let evaluation = try #require(profile.evaluation)
    let shown = Set(profile.records.map(\.id))
    for dimension in evaluation.dimensions {
      #expect(dimension.score == 100 + dimension.factors.reduce(0) { $0 + $1.points }, "\(dimension.dimension)")
      #expect(dimension.factors.allSatisfy { shown.contains($0.recordID) }, "\(dimension.dimension)")
    }
  }

  @Test("admin-licensing narrowed to honour: the list shows, the records behind it do not move the grade")
  func narrowGrant() throws {
    let profile = try Self.assemble("admin-licensing", narrowing: ["honour"])
    let evaluation = try #require(profile.evaluation)
    // d1, p1 and f1 are withheld: law-abiding stays at the base.
    #expect(evaluation.dimensions[2].factors.isEmpty)
    #expect(evaluation.dimensions[2].score == 100)
    #expect(evaluation.total == 510)  // social-morality 110 (h1)
    #expect(profile.memberships == [ListMembership(list: .seriousDishonesty, recordIDs: [])])
    #expect(profile.decision == .restricted)
    #expect(profile.measures.map(\.measure.code) == ["licensing-restriction"])
    #expect(profile.measures.map(\.triggerRecordIDs) == [[]])
  }

  @Test(
    "memberships, measure triggers and factors never name an undisclosed record",
    arguments: [
      "civil-servant-recruitment", "cadre-selection", "household-registration", "title-evaluation", "awards",
      "personnel-exam", "special-industry-entry", "enterprise-leadership", "admin-licensing",
      "commercial-loan", "commercial-insurance", "investment", "online-shopping", "marriage-employment",
    ])
  func namesOnlyDisclosed(_ purpose: String) throws {
    let profile = try Self.assemble(purpose)
    let shown = Set(profile.records.map(\.id))
    var named = profile.memberships.flatMap(\.recordIDs) + profile.measures.flatMap(\.triggerRecordIDs)
    named += profile.evaluation?.dimensions.flatMap { $0.factors.map(\.recordID) } ?? []
    #expect(Set(named).isSubset(of: shown), "named \(Set(named).subtracting(shown).sorted())")
    // d1 and s1 put the subject on the serious-dishonesty list whatever the purpose may see.
    #expect(profile.memberships.map(\.list) == [.seriousDishonesty])
  }

  @Test("civil-servant-recruitment: the list, the measures and their triggers, DISQUALIFIED")
  func recruitment() throws {
    let profile = try Self.assemble("civil-servant-recruitment")
    // s1 (social-insurance-arrears) is listed too, but not a recruitment category.
    #expect(profile.memberships == [ListMembership(list: .seriousDishonesty, recordIDs: ["d1"])])
    #expect(profile.measures.map(\.measure.code) == [
      "civil-service-disqualification", "civil-service-exam-cheating", "civil-service-judgment-refusal",
    ])
    #expect(profile.measures.map(\.triggerRecordIDs) == [["d1"], ["e1"], ["d1"]])
    #expect(profile.decision == .disqualified)
    #expect(profile.evaluation == nil)
  }

  @Test("a hidden listed record still places the subject on the list, named by no id")
  func hiddenListedRecord() throws {
    let profile = try Self.assemble(
      "civil-servant-recruitment", [R.record("s1", "social-insurance-arrears", .serious)])
    #expect(profile.records.isEmpty)
    #expect(profile.memberships == [ListMembership(list: .seriousDishonesty, recordIDs: [])])
    #expect(profile.measures.map(\.measure.code) == ["civil-service-disqualification"])
    #expect(profile.measures.map(\.triggerRecordIDs) == [[]])
    #expect(profile.decision == .disqualified)
  }

  @Test("a hidden honour still puts the subject on the red list, named by no id")
  func hiddenHonour() throws {
    let recruitment = try Self.assemble("civil-servant-recruitment", [R.record("h1", "honour")])
    #expect(recruitment.memberships == [ListMembership(list: .red, recordIDs: [])])
    #expect(recruitment.measures.isEmpty)
    let licensing = try Self.assemble("admin-licensing", [R.record("h1", "honour")])
    #expect(licensing.memberships == [ListMembership(list: .red, recordIDs: ["h1"])])
    #expect(licensing.measures.map(\.measure.code) == ["licensing-green-channel", "licensing-tolerance-acceptance"])
    #expect(licensing.measures.map(\.triggerRecordIDs) == [["h1"], ["h1"]])
    #expect(licensing.decision == .eligible)
  }

  @Test(
    "a record is disclosed on its disclosure end, and not the day after",
    arguments: [
      (0, true),  // disclosure_until 2026-06-15 == today
      (-1, false),  // disclosure_until 2026-06-14: one day past
      (1, true),
    ])
  func disclosureEnd(_ offset: Int, _ disclosed: Bool) throws {
    let record = R.record(
      "m1", "admin-penalty", .minor, act: R.daysAgo(95), decided: R.daysAgo(90 - offset),
      until: R.today.adding(days: offset))
    let profile = try Self.assemble("admin-licensing", [record])
    #expect(profile.records.map(\.id) == (disclosed ? ["m1"] : []))
    let evaluation = try #require(profile.evaluation)
    // law-abiding 100 − 5 = 95 (total 495, B) when disclosed; else untouched (500, A).
    #expect(evaluation.dimensions[2].score == (disclosed ? 95 : 100))
    #expect(evaluation.dimensions[2].factors.map(\.recordID) == (disclosed ? ["m1"] : []))
    #expect(evaluation.total == (disclosed ? 495 : 500))
    #expect(evaluation.grade == (disclosed ? "B" : "A"))
  }

  @Test("a government body is evaluated with the government model")
  func government() throws {
    let records = [
      R.record("j1", "judgment-nonperformance", .serious, subject: Codes.government),
      R.record("c1", "commitment-broken", .general, subject: Codes.government),
    ]
    let profile = try Self.assemble("government-integrity-review", records, kind: .government)
    let evaluation = try #require(profile.evaluation)
    #expect(evaluation.modelVersion == "government-2026.1")
    // lawful-administration 100 − 60 = 40; commitment 100 − 25 = 75; total 415 < 440 → 较差.
    #expect(evaluation.dimensions.map(\.score) == [40, 100, 100, 75, 100])
    #expect(evaluation.total == 415)
    #expect(evaluation.grade == "较差")
    #expect(Set(profile.records.map(\.id)) == ["j1", "c1"])
    #expect(profile.memberships == [ListMembership(list: .seriousDishonesty, recordIDs: ["j1"])])
    #expect(profile.measures.isEmpty)
    #expect(profile.decision == .eligible)
  }
}
