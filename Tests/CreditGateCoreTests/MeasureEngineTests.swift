@testable import CreditGateCore
import Foundation
import Testing

/// One row of a measures table: a purpose, the records, and the published measures expected
/// (in the order of `config/measures.json`) with what triggered each.
struct MeasureCase: Sendable, CustomTestStringConvertible {
  struct Expected: Sendable, Equatable {
    var code: String
    var triggers: [String]
    var list: CreditList?
  }

  var label: String
  var purpose: String
  var records: [CreditRecord]
  var decision: MeasureDecision
  var measures: [Expected]
  var testDescription: String { "\(purpose): \(label)" }
}

@Suite("MeasureEngine with the shipped measures")
struct MeasureEngineTests {
  typealias R = RulesFixture
  typealias E = MeasureCase.Expected

  static func rec(_ id: String, _ category: String, _ severity: Severity? = nil, status: RecordStatus = .active)
    -> CreditRecord
  {
    R.record(id, category, severity, status: status)
  }

  static let cases: [MeasureCase] = [
    // civil-servant-recruitment: civil-service-disqualification (list serious-dishonesty),
    // civil-service-exam-cheating (exam-cheating ≥ general), civil-service-judgment-refusal
    // (dishonest-judgment-debtor ≥ general); all DISQUALIFICATION.
    MeasureCase(
      label: "no records", purpose: "civil-servant-recruitment", records: [], decision: .eligible, measures: []),
    MeasureCase(
      label: "serious fraud: on the serious-dishonesty list", purpose: "civil-servant-recruitment",
      records: [rec("f1", "fraud", .serious)], decision: .disqualified,
      measures: [E(code: "civil-service-disqualification", triggers: ["f1"], list: .seriousDishonesty)]),
    MeasureCase(
      label: "serious dishonest-judgment-debtor: the list and the category", purpose: "civil-servant-recruitment",
      records: [rec("d1", "dishonest-judgment-debtor", .serious)], decision: .disqualified,
      measures: [
        E(code: "civil-service-disqualification", triggers: ["d1"], list: .seriousDishonesty),
        E(code: "civil-service-judgment-refusal", triggers: ["d1"], list: nil),
      ]),
    MeasureCase(
      label: "GENERAL exam-cheating", purpose: "civil-servant-recruitment",
      records: [rec("e1", "exam-cheating", .general)], decision: .disqualified,
      measures: [E(code: "civil-service-exam-cheating", triggers: ["e1"], list: nil)]),
    MeasureCase(
      label: "MINOR exam-cheating is below min_severity general", purpose: "civil-servant-recruitment",
      records: [rec("e1", "exam-cheating", .minor)], decision: .eligible, measures: []),
    MeasureCase(
      label: "minor, general and serious exam-cheating: the general and serious ones trigger",
      purpose: "civil-servant-recruitment",
      records: [
        rec("e1", "exam-cheating", .minor), rec("e2", "exam-cheating", .general),
        rec("e3", "exam-cheating", .serious),
      ],
      decision: .disqualified,
      measures: [
        E(code: "civil-service-disqualification", triggers: ["e3"], list: .seriousDishonesty),
        E(code: "civil-service-exam-cheating", triggers: ["e2", "e3"], list: nil),
      ]),
    MeasureCase(
      label: "DISPUTED general exam-cheating still triggers (flagged, not set aside)", purpose: "civil-servant-recruitment",
      records: [rec("e1", "exam-cheating", .general, status: .disputed)], decision: .disqualified,
      measures: [E(code: "civil-service-exam-cheating", triggers: ["e1"], list: nil)]),
    MeasureCase(
      label: "general exam-cheating withdrawn on an objection does not trigger", purpose: "civil-servant-recruitment",
      records: [rec("e1", "exam-cheating", .general, status: .objectionUpheld)], decision: .eligible, measures: []),
    MeasureCase(
      label: "REVOKED general exam-cheating does not trigger", purpose: "civil-servant-recruitment",
      records: [rec("e1", "exam-cheating", .general, status: .revoked)], decision: .eligible, measures: []),
    MeasureCase(
      label: "general exam-cheating past its disclosure end does not trigger", purpose: "civil-servant-recruitment",
      records: [R.record("e1", "exam-cheating", .general, until: R.daysAgo(1))], decision: .eligible, measures: []),
    MeasureCase(
      label: "a serious admin-penalty (not listed, no measure)", purpose: "civil-servant-recruitment",
      records: [rec("p1", "admin-penalty", .serious)], decision: .eligible, measures: []),
    MeasureCase(
      label: "the red list has no measure here", purpose: "civil-servant-recruitment",
      records: [rec("h1", "honour")], decision: .eligible, measures: []),

    // admin-licensing: licensing-green-channel and licensing-tolerance-acceptance (list red,
    // INCENTIVE), licensing-restriction (list serious-dishonesty, RESTRICTION).
    MeasureCase(label: "no records", purpose: "admin-licensing", records: [], decision: .eligible, measures: []),
    MeasureCase(
      label: "an honour: the red list and both incentives", purpose: "admin-licensing",
      records: [rec("h1", "honour")], decision: .eligible,
      measures: [
        E(code: "licensing-green-channel", triggers: ["h1"], list: .red),
        E(code: "licensing-tolerance-acceptance", triggers: ["h1"], list: .red),
      ]),
    MeasureCase(
      label: "serious dishonest-judgment-debtor: restricted", purpose: "admin-licensing",
      records: [rec("d1", "dishonest-judgment-debtor", .serious)], decision: .restricted,
      measures: [E(code: "licensing-restriction", triggers: ["d1"], list: .seriousDishonesty)]),
    MeasureCase(
      label: "an honour and a serious debt: restricted, no incentive", purpose: "admin-licensing",
      records: [rec("h1", "honour"), rec("d1", "dishonest-judgment-debtor", .serious)], decision: .restricted,
      measures: [E(code: "licensing-restriction", triggers: ["d1"], list: .seriousDishonesty)]),
    MeasureCase(
      label: "general exam-cheating: the exam measure belongs to other purposes", purpose: "admin-licensing",
      records: [rec("e1", "exam-cheating", .general)], decision: .eligible, measures: []),
    MeasureCase(
      label: "general dishonest-judgment-debtor: the judgment-refusal measure belongs to recruitment",
      purpose: "admin-licensing",
      records: [rec("d1", "dishonest-judgment-debtor", .general)], decision: .eligible, measures: []),

    // enterprise-leadership: leadership-bar (list serious-dishonesty, DISQUALIFICATION).
    MeasureCase(
      label: "serious tax violation: barred", purpose: "enterprise-leadership",
      records: [rec("t1", "serious-tax-violation", .serious)], decision: .disqualified,
      measures: [E(code: "leadership-bar", triggers: ["t1"], list: .seriousDishonesty)]),
    // personnel-exam: civil-service-exam-cheating is published for it too.
    MeasureCase(
      label: "general exam-cheating", purpose: "personnel-exam",
      records: [rec("e1", "exam-cheating", .general)], decision: .disqualified,
      measures: [E(code: "civil-service-exam-cheating", triggers: ["e1"], list: nil)]),
    // commercial-loan has no published measure at all.
    MeasureCase(
      label: "serious debt and an honour: no published measure", purpose: "commercial-loan",
      records: [rec("d1", "dishonest-judgment-debtor", .serious), rec("h1", "honour")], decision: .eligible,
      measures: []),
  ]

  @Test("the published measures of the purpose, their triggers and the decision", arguments: cases)
  func apply(_ row: MeasureCase) throws {
    let lists = try R.lists()
    let memberships = DerivedLists.memberships(records: row.records, lists: lists, today: R.today)
    let (decision, measures) = MeasureEngine.apply(
      purpose: row.purpose, records: row.records, memberships: memberships, lists: lists, today: R.today)
    #expect(decision == row.decision)
    #expect(measures.map { E(code: $0.measure.code, triggers: $0.triggerRecordIDs, list: $0.triggerList) } == row.measures)
  }

  @Test("serious-dishonesty membership disqualifies from recruitment, with the measure's legal basis")
  func disqualificationCarriesLegalBasis() throws {
    let lists = try R.lists()
    let membership = ListMembership(list: .seriousDishonesty, recordIDs: ["d1"])
    let (decision, measures) = MeasureEngine.apply(
      purpose: "civil-servant-recruitment", records: [], memberships: [membership], lists: lists, today: R.today)
    #expect(decision == .disqualified)
    let applied = try #require(measures.first)
    #expect(measures.count == 1)
    #expect(applied.measure.code == "civil-service-disqualification")
    #expect(applied.measure.effect == .disqualification)
    #expect(applied.measure.legalBasis == "《公务员录用规定》第二十一条；国办发〔2016〕98号")
    #expect(applied.triggerList == .seriousDishonesty)
    #expect(applied.triggerRecordIDs == ["d1"])
  }

  @Test("red-list membership gives both licensing incentives, and nothing restricts")
  func incentives() throws {
    let lists = try R.lists()
    let (decision, measures) = MeasureEngine.apply(
      purpose: "admin-licensing", records: [], memberships: [ListMembership(list: .red, recordIDs: ["h1"])],
      lists: lists, today: R.today)
    #expect(decision == .eligible)
    #expect(measures.map(\.measure.code) == ["licensing-green-channel", "licensing-tolerance-acceptance"])
    #expect(measures.allSatisfy { $0.measure.effect == .incentive && !$0.measure.legalBasis.isEmpty })
  }

  @Test("a measure of another purpose never applies, whatever the subject's record")
  func otherPurposes() throws {
    let lists = try R.lists()
    // Everything that triggers some published measure at once.
    let records = [
      R.record("d1", "dishonest-judgment-debtor", .serious), R.record("e1", "exam-cheating", .general),
    ]
    let memberships = [
      ListMembership(list: .seriousDishonesty, recordIDs: ["d1"]), ListMembership(list: .red, recordIDs: ["h1"]),
    ]
    var seen: Set<String> = []
    for purpose in lists.purposes {
      let (_, measures) = MeasureEngine.apply(
        purpose: purpose.code, records: records, memberships: memberships, lists: lists, today: R.today)
      for applied in measures {
        #expect(applied.measure.purposes.contains(purpose.code), "\(applied.measure.code) applied to \(purpose.code)")
        seen.insert(applied.measure.code)
      }
    }
    // Every shipped measure is reachable, so the loop above checked each of them.
    #expect(seen == Set(lists.measures.map(\.code)))
  }

  @Test("a measure that is not on the published list is never applied")
  func unpublishedMeasure() throws {
    let shipped = try R.lists()
    let lists = try PublishedLists(
      version: shipped.version, categories: shipped.categories, purposes: shipped.purposes,
      measures: shipped.measures.filter { $0.code != "licensing-restriction" })
    let records = [R.record("d1", "dishonest-judgment-debtor", .serious)]
    let memberships = DerivedLists.memberships(records: records, lists: lists, today: R.today)
    #expect(memberships.map(\.list) == [.seriousDishonesty])
    let (decision, measures) = MeasureEngine.apply(
      purpose: "admin-licensing", records: records, memberships: memberships, lists: lists, today: R.today)
    #expect(decision == .eligible)
    #expect(measures.isEmpty)
  }

  @Test(
    "the decision is the strongest effect",
    arguments: [
      ([MeasureEffect](), MeasureDecision.eligible), ([.incentive], .eligible), ([.restriction], .restricted),
      ([.incentive, .restriction], .restricted), ([.restriction, .disqualification], .disqualified),
      ([.incentive, .disqualification], .disqualified),
    ])
  func strongestEffect(_ effects: [MeasureEffect], _ decision: MeasureDecision) throws {
    let shipped = try R.lists()
    // One measure per effect, all triggered by the serious-dishonesty list in one purpose.
    let measures = effects.enumerated().map { index, effect in
      Measure(
        code: "m\(index)", name: "m\(index)", purposes: ["awards"], trigger: MeasureTrigger(list: "serious-dishonesty"),
        effect: effect, description: "", legalBasis: "basis")
    }
    let lists = try PublishedLists(
      version: shipped.version, categories: shipped.categories, purposes: shipped.purposes, measures: measures)
    let (result, applied) = MeasureEngine.apply(
      purpose: "awards", records: [], memberships: [ListMembership(list: .seriousDishonesty, recordIDs: ["d1"])],
      lists: lists, today: R.today)
    #expect(result == decision)
    #expect(applied.count == effects.count)
  }
}

// MARK: - Triggers the engine cannot evaluate

/// A measure in `measures.json` whose trigger the engine cannot evaluate would be published and
/// never applied, silently. Loading must refuse it, naming the file.
struct UnusableTrigger: Sendable, CustomTestStringConvertible {
  var label: String
  /// The trigger object written into a copy of `config/measures.json`.
  var trigger: String
  var testDescription: String { label }
}

@Suite("Measures whose trigger cannot fire")
struct UnusableTriggerTests {
  static let cases: [UnusableTrigger] = [
    UnusableTrigger(label: "a list that is not a derived list (typo)", trigger: #"{"list": "serious_dishonesty"}"#),
    UnusableTrigger(label: "a grade-band trigger, which the model cannot express", trigger: #"{"grade_band": "D"}"#),
    UnusableTrigger(label: "an empty trigger", trigger: "{}"),
  ]

  @Test("a measure whose trigger names nothing the engine knows is refused when the lists load", arguments: cases)
  func refused(_ row: UnusableTrigger) throws {
    let directory = FileManager.default.temporaryDirectory
      .appending(path: "creditgate-measures-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    for file in [PublishedLists.catalogueFile, PublishedLists.purposesFile] {
      try FileManager.default.copyItem(
        at: TestSupport.configDirectory.appending(path: file), to: directory.appending(path: file))
    }
    let measures = """
      {"version": "test", "measures": [{"code": "m1", "name": "m1", "purposes": ["awards"],
        "trigger": \(row.trigger), "effect": "DISQUALIFICATION", "description": "d", "legal_basis": "b"}]}
      """
    try Data(measures.utf8).write(to: directory.appending(path: PublishedLists.measuresFile))
    do {
      _ = try PublishedLists.load(from: directory)
      Issue.record("loaded: measure m1 with trigger \(row.trigger) would be published and never apply")
    } catch {
      #expect(error.file.hasSuffix(PublishedLists.measuresFile))
      #expect(error.problem.contains("m1"), "\(error.problem)")
    }
  }
}
