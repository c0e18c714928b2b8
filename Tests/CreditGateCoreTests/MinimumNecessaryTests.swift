@testable import CreditGateCore
import Foundation
import Testing

/// One query of the minimum-necessary table: a purpose, the consent's categories (nil for a
/// statutory purpose), the caller's narrowing and the institution's categories (nil: all).
struct ScopeCase: Sendable, CustomTestStringConvertible {
  var label: String
  var purpose: String
  var consent: [String]? = nil
  var narrowing: [String] = []
  var institution: Set<String>? = nil
  var kind: SubjectKind = .person
  var records: [CreditRecord]
  var testDescription: String { label }
}

/// DESIGN §4–§7 and issue 9: everything an institution receives is a function of the records in
/// its answer; only membership of the two public lists rests on all disclosable records.
@Suite("Minimum necessary: nothing withheld leaks")
struct MinimumNecessaryTests {
  typealias R = RulesFixture

  /// A person with a record in almost every category, and records that no longer count:
  /// revoked, repaired, past their disclosure end, past the five-year limit.
  static let person: [CreditRecord] = [
    R.record("d1", "dishonest-judgment-debtor", .serious),  // listed
    R.record("t2", "serious-tax-violation", .serious),  // listed
    R.record("s1", "social-insurance-arrears", .serious),  // listed
    R.record("e1", "exam-cheating", .general),
    R.record("p1", "admin-penalty", .general),
    R.record("f1", "fraud", .general),
    R.record("l1", "loan-default", .general),
    R.record("hf", "housing-fund-default", .minor),
    R.record("ta", "tax-arrears", .minor),
    R.record("tv", "serious-traffic-violation", .general),
    R.record("h1", "honour"),
    R.record("v1", "volunteer-service"),
    R.record("c1", "charity"),
    R.record("q1", "occupation-qualification"),
    R.record("al", "admin-licence"),
    R.record("i1", "identity"),
    R.record("x1", "serious-tax-violation", .serious, status: .revoked),
    R.record("r1", "fraud", .serious, status: .repaired),
    R.record("o1", "admin-penalty", .minor, until: R.daysAgo(1)),
    R.record(
      "old", "loan-default", .serious, act: R.daysAgo(2400), decided: R.daysAgo(2300), ended: R.daysAgo(2200),
      until: R.today.adding(days: 30)),  // past the five-year limit, though its end is later
    R.record("dd", "tax-arrears", .general, status: .disputed),
  ]

  /// A person with an honour whom a withheld breach keeps off the red list, and a breach that
  /// may no longer keep them off.
  static let honoured: [CreditRecord] = [
    R.record("h1", "honour"), R.record("v1", "volunteer-service"), R.record("l1", "loan-default", .general),
    R.record("o2", "loan-default", .minor, until: R.daysAgo(1)),  // no longer disclosed: counts nowhere
  ]

  static let government: [CreditRecord] = [
    R.record("j1", "judgment-nonperformance", .serious, subject: Codes.government),
    R.record("c1", "commitment-broken", .general, subject: Codes.government),
    R.record("k1", "commitment-kept", subject: Codes.government),
    R.record("s1", "safety-accountability", .general, subject: Codes.government),
    R.record("r1", "commitment-broken", .serious, status: .revoked, subject: Codes.government),
  ]

  static let cases: [ScopeCase] = [
    // The three cases of issue 9.
    ScopeCase(
      label: "commercial-loan, a consent for loan-default only", purpose: "commercial-loan",
      consent: ["loan-default"], records: person),
    ScopeCase(
      label: "commercial-loan, a consent for all its categories", purpose: "commercial-loan",
      consent: ["loan-default", "housing-fund-default", "dishonest-judgment-debtor", "tax-arrears", "fraud"],
      records: person),
    ScopeCase(
      label: "civil-servant-recruitment narrowed to serious-tax-violation and admin-penalty",
      purpose: "civil-servant-recruitment", narrowing: ["serious-tax-violation", "admin-penalty"], records: person),
    // And around them.
    ScopeCase(label: "civil-servant-recruitment", purpose: "civil-servant-recruitment", records: person),
    ScopeCase(label: "admin-licensing (grade)", purpose: "admin-licensing", records: person),
    ScopeCase(
      label: "admin-licensing, an institution that sees admin-licence and honour only", purpose: "admin-licensing",
      institution: ["admin-licence", "honour"], records: person),
    ScopeCase(
      label: "admin-licensing narrowed to honour", purpose: "admin-licensing", narrowing: ["honour"], records: person),
    ScopeCase(
      label: "commercial-loan, a full consent, narrowed to tax-arrears", purpose: "commercial-loan",
      consent: ["loan-default", "housing-fund-default", "dishonest-judgment-debtor", "tax-arrears", "fraud"],
      narrowing: ["tax-arrears"], records: person),
    ScopeCase(
      label: "commercial-insurance, a consent for fraud and loan-default", purpose: "commercial-insurance",
      consent: ["fraud", "loan-default"], records: person),
    ScopeCase(label: "household-registration", purpose: "household-registration", records: person),
    ScopeCase(label: "enterprise-leadership", purpose: "enterprise-leadership", records: person),
    ScopeCase(label: "admin-licensing, an honoured person", purpose: "admin-licensing", records: honoured),
    ScopeCase(
      label: "government-integrity-review narrowed to commitments", purpose: "government-integrity-review",
      narrowing: ["commitment-kept", "commitment-broken"], kind: .government, records: government),
  ]

  /// The answer of `row` over `records`.
  static func answer(_ row: ScopeCase, _ records: [CreditRecord]) throws -> Profile {
    let lists = try R.lists()
    let purpose = try #require(lists.purpose(row.purpose))
    let scope = try R.scope(
      purpose, requested: row.narrowing, consent: row.consent, institution: row.institution, lists: lists)
    return ProfileAssembler.assemble(
      subjectKind: row.kind, records: records, purpose: purpose, scope: scope,
      lists: lists, models: try R.models(lists), today: R.today)
  }

  /// What remains of an answer without the public lists: list memberships, the measures they
  /// trigger, and the decision those measures make.
  static func withoutLists(_ profile: Profile) -> Profile {
    var profile = profile
    profile.memberships = []
    profile.measures.removeAll { $0.triggerList != nil }
    profile.decision = .eligible
    return profile
  }

  @Test("removing any withheld record from the store leaves the answer the same", arguments: cases)
  func removingAWithheldRecord(_ row: ScopeCase) throws {
    let answer = try Self.answer(row, row.records)
    let shown = Set(answer.records.map(\.id))
    let withheld = row.records.filter { !shown.contains($0.id) }
    try #require(!withheld.isEmpty, "the case withholds nothing; it tests nothing")
    for record in withheld {
      let twin = try Self.answer(row, row.records.filter { $0.id != record.id })
      if twin.memberships.map(\.list) == answer.memberships.map(\.list) {
        #expect(twin == answer, "removing \(record.id) (\(record.content.category)) changed the answer")
      } else {
        // The record put the subject on a public list, or kept them off one: only the list,
        // its measures and the decision may move.
        #expect(
          Self.withoutLists(twin) == Self.withoutLists(answer),
          "removing \(record.id) (\(record.content.category)) changed more than the lists")
      }
    }
  }

  @Test("the answer over its own records alone is the answer, but for the public lists", arguments: cases)
  func answerFromItsOwnRecords(_ row: ScopeCase) throws {
    let answer = try Self.answer(row, row.records)
    let alone = try Self.answer(row, answer.records)
    #expect(Self.withoutLists(alone) == Self.withoutLists(answer))
    // The scope it states is the same for a subject of the same kind with no records at all.
    #expect(try Self.answer(row, []).scope == answer.scope)
  }

  @Test("a record that no longer counts changes nothing at all, not even the lists", arguments: cases)
  func recordsThatNoLongerCount(_ row: ScopeCase) throws {
    let lists = try R.lists()
    let answer = try Self.answer(row, row.records)
    let gone = row.records.filter {
      !Disclosure.isDisclosable($0, category: lists.category($0.content.category), today: R.today)
    }
    try #require(!gone.isEmpty, "the case has no record that no longer counts; it tests nothing")
    for record in gone {
      let twin = try Self.answer(row, row.records.filter { $0.id != record.id })
      #expect(twin == answer, "removing \(record.id) (\(record.status), not disclosable) changed the answer")
    }
  }

  @Test("the honoured person: the withheld breach keeps them off the red list, and only that shows")
  func withheldBreachAndTheRedList() throws {
    let row = try #require(Self.cases.first { $0.records == Self.honoured })
    let answer = try Self.answer(row, row.records)
    let twin = try Self.answer(row, row.records.filter { $0.id != "l1" })
    #expect(answer.memberships.isEmpty)
    #expect(twin.memberships == [ListMembership(list: .red, recordIDs: ["h1"])])
    #expect(Self.withoutLists(twin) == Self.withoutLists(answer))
    #expect(answer.records.map(\.id) == ["h1"])
  }
}
