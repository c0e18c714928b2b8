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

  static func assemble(
    _ purposeCode: String, _ records: [CreditRecord] = mixed, kind: SubjectKind = .person,
    granted: Set<String>? = nil
  ) throws -> Profile {
    let lists = try R.lists()
    let purpose = try #require(lists.purpose(purposeCode))
    return ProfileAssembler.assemble(
      subjectKind: kind, records: records, purpose: purpose, granted: granted ?? Set(purpose.categories),
      lists: lists, models: try R.models(lists), today: R.today)
  }

  @Test(
    "records: only the purpose's (granted) categories, only disclosable ones",
    arguments: [
      ("civil-servant-recruitment", nil, ["d1", "f1", "e1"]),
      ("admin-licensing", nil, ["d1", "p1", "h1", "t1"]),  // x1 revoked, o1 past its end
      ("commercial-loan", nil, ["d1", "f1", "t1", "l1"]),
      ("household-registration", nil, ["d1", "s1", "h1", "v1"]),
      ("personnel-exam", nil, ["e1"]),
      ("admin-licensing", ["honour"], ["h1"]),
      ("government-integrity-review", nil, []),
    ] as [(String, Set<String>?, Set<String>)])
  func records(_ purpose: String, _ granted: Set<String>?, _ expected: Set<String>) throws {
    let profile = try Self.assemble(purpose, granted: granted)
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

  @Test("admin-licensing: factors name the disclosed records; one summary factor carries the rest")
  func factorsForAdminLicensing() throws {
    let profile = try Self.assemble("admin-licensing")
    let evaluation = try #require(profile.evaluation)
    let summary = ProfileAssembler.undisclosedFactor
    let factors = Dictionary(uniqueKeysWithValues: evaluation.dimensions.map { ($0.dimension, $0.factors.map(\.description)) })
    #expect(factors["identity"] == [])
    #expect(factors["ability"] == ["\(summary) +10"])  // q1 hidden
    #expect(factors["law-abiding"] == ["d1 (dishonest-judgment-debtor) -50", "p1 (admin-penalty) -20", "\(summary) -20"])  // f1
    #expect(factors["economic"] == ["t1 (tax-arrears) -5", "\(summary) -70"])  // l1 −20 + s1 −50
    #expect(factors["social-morality"] == ["h1 (honour) +10", "\(summary) -10"])  // v1 +10 + e1 −20
    // identity 100; ability 100 + 10 = 110; law 100 − 50 − 20 − 20 = 10; economic 100 − 5 − 70 = 25;
    // social 100 + 10 − 10 = 100. Total 345 < 380 → D.
    #expect(evaluation.dimensions.map(\.score) == [100, 110, 10, 25, 100])
    #expect(evaluation.total == 345)
    #expect(evaluation.grade == "D")
    #expect(evaluation.modelVersion == "person-2026.1")
  }

  @Test(
    "each dimension's score is the base plus its factors, summary included (nothing clamps here)",
    arguments: [
      ("admin-licensing", nil), ("commercial-loan", nil), ("commercial-insurance", nil),
      ("investment", nil), ("admin-licensing", ["honour"]), ("admin-licensing", []),
    ] as [(String, Set<String>?)])
  func factorsAddUp(_ purpose: String, _ granted: Set<String>?) throws {
    let profile = try Self.assemble(purpose, granted: granted)
    let evaluation = try #require(profile.evaluation)
    let shown = Set(profile.records.map(\.id))
    for dimension in evaluation.dimensions {
      #expect(dimension.score == 100 + dimension.factors.reduce(0) { $0 + $1.points }, "\(dimension.dimension)")
      #expect(dimension.factors.filter { $0.recordID.isEmpty }.count <= 1, "\(dimension.dimension)")
      for factor in dimension.factors {
        #expect(factor.recordID.isEmpty ? factor.category == ProfileAssembler.undisclosedFactor : shown.contains(factor.recordID))
      }
    }
    // The same records unfiltered: 345 whatever the purpose may see (see factorsForAdminLicensing).
    #expect(evaluation.total == 345)
  }

  @Test("admin-licensing with only honour granted: the law-abiding dimension is one summary factor")
  func narrowGrant() throws {
    let profile = try Self.assemble("admin-licensing", granted: ["honour"])
    let evaluation = try #require(profile.evaluation)
    // d1 −50, p1 −20, f1 −20 all hidden: one factor of −90; 100 − 90 = 10.
    #expect(evaluation.dimensions[2].factors.map(\.description) == ["\(ProfileAssembler.undisclosedFactor) -90"])
    #expect(evaluation.dimensions[2].score == 10)
    #expect(profile.memberships == [ListMembership(list: .seriousDishonesty, recordIDs: [])])
    #expect(profile.decision == .restricted)
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
    named += profile.evaluation?.dimensions.flatMap { $0.factors.map(\.recordID) }.filter { !$0.isEmpty } ?? []
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
