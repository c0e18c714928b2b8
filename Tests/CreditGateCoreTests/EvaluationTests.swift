@testable import CreditGateCore
import Foundation
import Testing

/// One row of an evaluation table: the records, and the hand-worked dimension scores (in the
/// model's order), total and grade.
struct EvaluationCase: Sendable, CustomTestStringConvertible {
  var label: String
  var kind: SubjectKind = .person
  var records: [CreditRecord]
  var scores: [Int]
  var total: Int
  var grade: String
  var testDescription: String { label }
}

@Suite("Evaluation with the shipped models")
struct EvaluationTests {
  typealias R = RulesFixture

  static func rec(_ id: String, _ category: String, _ severity: Severity? = nil, status: RecordStatus = .active)
    -> CreditRecord
  {
    R.record(id, category, severity, status: status)
  }

  static func many(_ count: Int, _ category: String) -> [CreditRecord] {
    (1...count).map { rec("\(category)-\($0)", category) }
  }

  // person-2026.1: dimensions identity, ability, law-abiding, economic, social-morality; base
  // 100, within 0...150; trust-keeping +10, neutral 0, minor −5, general −20, serious −50;
  // AAA ≥ 560, AA ≥ 530, A ≥ 500, B ≥ 450, C ≥ 380, D ≥ 0.
  static let personCases: [EvaluationCase] = [
    EvaluationCase(
      label: "no records", records: [],
      scores: [100, 100, 100, 100, 100], total: 500, grade: "A"),  // 5 × 100 = 500 ≥ 500 → A
    EvaluationCase(
      label: "one serious dishonest-judgment-debtor", records: [rec("d1", "dishonest-judgment-debtor", .serious)],
      scores: [100, 100, 50, 100, 100], total: 450, grade: "B"),  // law 100 − 50 = 50; 500 − 50 = 450 → B
    EvaluationCase(
      label: "one honour", records: [rec("h1", "honour")],
      scores: [100, 100, 100, 100, 110], total: 510, grade: "A"),  // social 100 + 10; 510 → A
    EvaluationCase(
      label: "one general admin-penalty", records: [rec("p1", "admin-penalty", .general)],
      scores: [100, 100, 80, 100, 100], total: 480, grade: "B"),  // law 100 − 20; 480 → B
    EvaluationCase(
      label: "one minor tax-arrears: 495, just below A", records: [rec("t1", "tax-arrears", .minor)],
      scores: [100, 100, 100, 95, 100], total: 495, grade: "B"),  // econ 100 − 5; 495 < 500 → B
    EvaluationCase(
      label: "a neutral identity record moves nothing", records: [rec("i1", "identity")],
      scores: [100, 100, 100, 100, 100], total: 500, grade: "A"),
    EvaluationCase(
      label: "three honours: exactly AA", records: many(3, "honour"),
      scores: [100, 100, 100, 100, 130], total: 530, grade: "AA"),  // social 100 + 30; 530 ≥ 530 → AA
    EvaluationCase(
      label: "three honours and a minor penalty: 525, just below AA",
      records: many(3, "honour") + [rec("p1", "admin-penalty", .minor)],
      scores: [100, 100, 95, 100, 130], total: 525, grade: "A"),  // 95 + 130 + 300 = 525 → A
    EvaluationCase(
      label: "three licences and three honours: exactly AAA",
      records: many(3, "admin-licence") + many(3, "honour"),
      scores: [100, 130, 100, 100, 130], total: 560, grade: "AAA"),  // 130 + 130 + 300 = 560 → AAA
    EvaluationCase(
      label: "three licences, three honours and a minor tax arrear: 555, just below AAA",
      records: many(3, "admin-licence") + many(3, "honour") + [rec("t1", "tax-arrears", .minor)],
      scores: [100, 130, 100, 95, 130], total: 555, grade: "AA"),  // 560 − 5 = 555 → AA
    EvaluationCase(
      label: "six honours clamp at max_score 150", records: many(6, "honour"),
      scores: [100, 100, 100, 100, 150], total: 550, grade: "AA"),  // 100 + 60 = 160 → 150; 550 → AA
    EvaluationCase(
      label: "three serious law-abiding records clamp at min_score 0",
      records: [
        rec("d1", "dishonest-judgment-debtor", .serious), rec("f1", "fraud", .serious),
        rec("s1", "serious-traffic-violation", .serious),
      ],
      scores: [100, 100, 0, 100, 100], total: 400, grade: "C"),  // 100 − 150 = −50 → 0; 400 → C
    EvaluationCase(
      label: "serious debtor and tax violation, general exam cheating: exactly C",
      records: [
        rec("d1", "dishonest-judgment-debtor", .serious), rec("t1", "serious-tax-violation", .serious),
        rec("e1", "exam-cheating", .general),
      ],
      scores: [100, 100, 50, 50, 80], total: 380, grade: "C"),  // 50 + 50 + 80 + 200 = 380 → C
    EvaluationCase(
      label: "the same and a minor loan default: 375, just below C",
      records: [
        rec("d1", "dishonest-judgment-debtor", .serious), rec("t1", "serious-tax-violation", .serious),
        rec("e1", "exam-cheating", .general), rec("l1", "loan-default", .minor),
      ],
      scores: [100, 100, 50, 45, 80], total: 375, grade: "D"),  // econ 50 − 5 = 45; 375 → D
    EvaluationCase(
      label: "serious debtor and a minor penalty: 445, just below B",
      records: [rec("d1", "dishonest-judgment-debtor", .serious), rec("p1", "admin-penalty", .minor)],
      scores: [100, 100, 45, 100, 100], total: 445, grade: "C"),  // law 100 − 50 − 5 = 45; 445 → C
    EvaluationCase(
      label: "a revoked serious record counts for nothing",
      records: [rec("d1", "dishonest-judgment-debtor", .serious, status: .revoked)],
      scores: [100, 100, 100, 100, 100], total: 500, grade: "A"),
    EvaluationCase(
      label: "a repaired general record counts for nothing",
      records: [rec("p1", "admin-penalty", .general, status: .repaired)],
      scores: [100, 100, 100, 100, 100], total: 500, grade: "A"),
    EvaluationCase(
      label: "a record past its disclosure end counts for nothing",
      records: [R.record("d1", "dishonest-judgment-debtor", .serious, until: R.daysAgo(1))],
      scores: [100, 100, 100, 100, 100], total: 500, grade: "A"),
    EvaluationCase(
      label: "a disputed record still counts",
      records: [rec("p1", "admin-penalty", .general, status: .disputed)],
      scores: [100, 100, 80, 100, 100], total: 480, grade: "B"),  // law 100 − 20
    EvaluationCase(
      label: "an organisation is evaluated with the person model", kind: .organisation,
      records: [rec("a1", "admin-licence"), rec("t1", "tax-arrears", .general)],
      scores: [100, 110, 100, 80, 100], total: 490, grade: "B"),  // 110 + 80 + 300 = 490 → B
  ]

  // government-2026.1: dimensions lawful-administration, openness, diligence, commitment,
  // performance; base 100 within 0...150; trust-keeping +10, minor −10, general −25,
  // serious −60; 优秀 ≥ 540, 良好 ≥ 500, 一般 ≥ 440, 较差 ≥ 0.
  static let governmentCases: [EvaluationCase] = [
    EvaluationCase(
      label: "no records", kind: .government, records: [],
      scores: [100, 100, 100, 100, 100], total: 500, grade: "良好"),  // 500 ≥ 500 → 良好
    EvaluationCase(
      label: "serious judgment-nonperformance and general commitment-broken", kind: .government,
      records: [rec("j1", "judgment-nonperformance", .serious), rec("c1", "commitment-broken", .general)],
      scores: [40, 100, 100, 75, 100], total: 415, grade: "较差"),  // 100 − 60 = 40, 100 − 25 = 75; 415 < 440 → 较差
    EvaluationCase(
      label: "one commitment kept", kind: .government, records: [rec("k1", "commitment-kept")],
      scores: [100, 100, 100, 110, 100], total: 510, grade: "良好"),  // 100 + 10; 510 → 良好
    EvaluationCase(
      label: "three commitments kept: 530, below 优秀", kind: .government, records: many(3, "commitment-kept"),
      scores: [100, 100, 100, 130, 100], total: 530, grade: "良好"),  // 530 < 540 → 良好
    EvaluationCase(
      label: "four commitments kept: exactly 优秀", kind: .government, records: many(4, "commitment-kept"),
      scores: [100, 100, 100, 140, 100], total: 540, grade: "优秀"),  // 540 ≥ 540 → 优秀
    EvaluationCase(
      label: "government openness feeds openness", kind: .government, records: [rec("o1", "government-openness")],
      scores: [100, 110, 100, 100, 100], total: 510, grade: "良好"),
    EvaluationCase(
      label: "serious safety-accountability: exactly 一般", kind: .government,
      records: [rec("s1", "safety-accountability", .serious)],
      scores: [100, 100, 40, 100, 100], total: 440, grade: "一般"),  // 100 − 60; 440 ≥ 440 → 一般
    EvaluationCase(
      label: "and a minor debt violation: 430, below 一般", kind: .government,
      records: [rec("s1", "safety-accountability", .serious), rec("d1", "debt-violation", .minor)],
      scores: [100, 100, 40, 100, 90], total: 430, grade: "较差"),  // 440 − 10 = 430 → 较差
    EvaluationCase(
      label: "minor procurement violation", kind: .government, records: [rec("p1", "procurement-violation", .minor)],
      scores: [90, 100, 100, 100, 100], total: 490, grade: "一般"),  // 100 − 10; 490 → 一般
    EvaluationCase(
      label: "two serious judgment-nonperformances clamp at 0", kind: .government,
      records: [rec("j1", "judgment-nonperformance", .serious), rec("j2", "judgment-nonperformance", .serious)],
      scores: [0, 100, 100, 100, 100], total: 400, grade: "较差"),  // 100 − 120 = −20 → 0; 400 → 较差
  ]

  @Test("dimension scores, total and grade", arguments: personCases + governmentCases)
  func evaluate(_ row: EvaluationCase) throws {
    let lists = try R.lists()
    let model = try #require(try R.models(lists).model(for: row.kind))
    let evaluation = Evaluation.evaluate(records: row.records, model: model, lists: lists, today: R.today)
    #expect(evaluation.dimensions.map(\.score) == row.scores)
    #expect(evaluation.total == row.total)
    #expect(evaluation.grade == row.grade)
    #expect(evaluation.modelVersion == model.version)
  }

  @Test(
    "each subject kind has its model",
    arguments: [
      (SubjectKind.person, "person-2026.1"), (.organisation, "person-2026.1"), (.government, "government-2026.1"),
    ])
  func modelPerKind(_ kind: SubjectKind, _ version: String) throws {
    let models = try R.models(try R.lists())
    let model = try #require(models.model(for: kind))
    #expect(model.version == version)
    #expect(model.dimensions.count == 5)
  }

  @Test("the dimensions are the five of DESIGN §6, in order")
  func dimensionOrder() throws {
    let models = try R.models(try R.lists())
    #expect(
      models.model(for: .person)?.dimensions.map(\.code)
        == ["identity", "ability", "law-abiding", "economic", "social-morality"])
    #expect(
      models.model(for: .government)?.dimensions.map(\.code)
        == ["lawful-administration", "openness", "diligence", "commitment", "performance"])
  }

  @Test(
    "grade bands: exactly at min_total, and one below",
    arguments: [
      (SubjectKind.person, 560, "AAA"), (.person, 559, "AA"), (.person, 530, "AA"), (.person, 529, "A"),
      (.person, 500, "A"), (.person, 499, "B"), (.person, 450, "B"), (.person, 449, "C"),
      (.person, 380, "C"), (.person, 379, "D"), (.person, 0, "D"), (.person, 750, "AAA"),
      (.government, 540, "优秀"), (.government, 539, "良好"), (.government, 500, "良好"),
      (.government, 499, "一般"), (.government, 440, "一般"), (.government, 439, "较差"),
      (.government, 0, "较差"), (.government, 750, "优秀"),
    ])
  func gradeBands(_ kind: SubjectKind, _ total: Int, _ grade: String) throws {
    let model = try #require(try R.models(try R.lists()).model(for: kind))
    #expect(model.grade(total: total) == grade)
  }

  @Test("the factors name each record that moved a dimension, with its points, in record-id order")
  func factors() throws {
    let lists = try R.lists()
    let model = try #require(try R.models(lists).model(for: .person))
    let records = [
      Self.rec("p1", "admin-penalty", .general),  // law-abiding −20
      Self.rec("h1", "honour"),  // social-morality +10
      Self.rec("i1", "identity"),  // neutral 0: no factor
      Self.rec("d1", "dishonest-judgment-debtor", .serious),  // law-abiding −50
      Self.rec("x1", "fraud", .serious, status: .revoked),  // revoked: no factor
    ]
    let evaluation = Evaluation.evaluate(records: records, model: model, lists: lists, today: R.today)
    func factors(_ dimension: String) -> [String] {
      evaluation.dimensions.first { $0.dimension == dimension }?.factors.map(\.description) ?? ["missing"]
    }
    #expect(factors("identity") == [])
    #expect(factors("ability") == [])
    #expect(factors("law-abiding") == ["d1 (dishonest-judgment-debtor) -50", "p1 (admin-penalty) -20"])
    #expect(factors("economic") == [])
    #expect(factors("social-morality") == ["h1 (honour) +10"])
    // law-abiding 100 − 50 − 20 = 30; social-morality 110; total 30 + 110 + 300 = 440 → C.
    #expect(evaluation.dimensions.map(\.score) == [100, 100, 30, 100, 110])
    #expect(evaluation.total == 440)
    #expect(evaluation.grade == "C")
    #expect(evaluation.dimensions.map(\.name) == ["身份特质", "履约能力", "遵纪守法", "经济行为", "社会公德"])
    for dimension in evaluation.dimensions {
      #expect(dimension.score == 100 + dimension.factors.reduce(0) { $0 + $1.points }, "\(dimension.dimension)")
    }
  }

  @Test("the same records in any order give an equal evaluation", arguments: [0, 1, 2, 3, 4, 5])
  func deterministic(_ seed: Int) throws {
    let lists = try R.lists()
    let model = try #require(try R.models(lists).model(for: .person))
    let records = [
      Self.rec("k", "honour"), Self.rec("b", "admin-penalty", .general), Self.rec("z", "dishonest-judgment-debtor", .serious),
      Self.rec("a", "admin-penalty", .minor), Self.rec("m", "volunteer-service"), Self.rec("c", "tax-arrears", .general),
      Self.rec("q", "loan-default", .minor), Self.rec("e", "admin-licence"),
    ]
    let reference = Evaluation.evaluate(records: records, model: model, lists: lists, today: R.today)
    var generator = SeededGenerator(state: UInt64(seed) &+ 0x5EED)
    let shuffled = records.shuffled(using: &generator)
    let again = Evaluation.evaluate(records: shuffled, model: model, lists: lists, today: R.today)
    #expect(again == reference)
    #expect(
      Evaluation.evaluate(records: records.reversed(), model: model, lists: lists, today: R.today) == reference)
    // law-abiding 100 − 20 − 50 − 5 = 25 (factors a, b, z in id order).
    #expect(reference.dimensions[2].factors.map(\.recordID) == ["a", "b", "z"])
    #expect(reference.dimensions[2].score == 25)
  }
}

/// A tiny seeded generator for shuffles (xorshift64*).
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state ^= state >> 12
    state ^= state << 25
    state ^= state >> 27
    return state &* 2_685_821_657_736_338_717
  }
}

// MARK: - Loading and checking evaluation.json

/// A change to a copy of `config/evaluation.json` that the loader must refuse.
struct ModelsFileEdit: Sendable, CustomTestStringConvertible {
  var label: String
  var edit: @Sendable (inout [[String: Any]]) -> Void
  /// What the error's problem must say.
  var says: [String]
  var testDescription: String { label }
}

@Suite("EvaluationModels.load")
struct EvaluationModelsLoadTests {
  static func index(_ models: [[String: Any]], _ version: String) -> Int {
    models.firstIndex { $0["version"] as? String == version }!
  }

  static let edits: [ModelsFileEdit] = [
    ModelsFileEdit(
      label: "a category's dimension is missing from its model",
      edit: { models in
        let i = index(models, "person-2026.1")
        var dimensions = models[i]["dimensions"] as! [[String: Any]]
        dimensions[3]["code"] = "finance"  // was "economic", which tax-arrears etc. feed
        models[i]["dimensions"] = dimensions
      },
      says: ["\"economic\"", "person-2026.1"]),
    ModelsFileEdit(
      label: "a government category's dimension is missing",
      edit: { models in
        let i = index(models, "government-2026.1")
        var dimensions = models[i]["dimensions"] as! [[String: Any]]
        dimensions[3]["code"] = "promises"  // was "commitment"
        models[i]["dimensions"] = dimensions
      },
      says: ["\"commitment\"", "government-2026.1"]),
    ModelsFileEdit(
      label: "four dimensions",
      edit: { models in
        let i = index(models, "government-2026.1")
        var dimensions = models[i]["dimensions"] as! [[String: Any]]
        dimensions.removeLast()
        models[i]["dimensions"] = dimensions
      },
      says: ["government-2026.1", "five dimensions"]),
    ModelsFileEdit(
      label: "bands not descending",
      edit: { models in
        let i = index(models, "person-2026.1")
        var grades = models[i]["grades"] as! [[String: Any]]
        grades.swapAt(1, 2)  // AA 530 after A 500
        models[i]["grades"] = grades
      },
      says: ["person-2026.1", "grades"]),
    ModelsFileEdit(
      label: "two bands with the same minimum",
      edit: { models in
        let i = index(models, "government-2026.1")
        var grades = models[i]["grades"] as! [[String: Any]]
        grades[1]["min_total"] = 540  // 良好 as high as 优秀
        models[i]["grades"] = grades
      },
      says: ["government-2026.1", "grades"]),
    ModelsFileEdit(
      label: "no model for government bodies",
      edit: { models in models.remove(at: index(models, "government-2026.1")) },
      says: ["government"]),
    ModelsFileEdit(
      label: "base_score above max_score",
      edit: { models in models[index(models, "person-2026.1")]["base_score"] = 200 },
      says: ["base_score"]),
  ]

  /// Writes the edited models to a fresh folder and loads them from there.
  static func load(editing edit: (inout [[String: Any]]) -> Void) throws -> (URL, Result<EvaluationModels, ListError>) {
    let source = TestSupport.configDirectory.appending(path: EvaluationModels.file)
    var root = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: source)) as? [String: Any])
    var models = try #require(root["models"] as? [[String: Any]])
    edit(&models)
    root["models"] = models
    let directory = FileManager.default.temporaryDirectory
      .appending(path: "creditgate-models-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let file = directory.appending(path: EvaluationModels.file)
    try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted]).write(to: file)
    let lists = try RulesFixture.lists()
    let result = Result { () throws(ListError) in try EvaluationModels.load(from: directory, lists: lists) }
    return (file, result)
  }

  @Test("an unchanged copy of the shipped file loads (the edits below are what fails)")
  func unchangedCopyLoads() throws {
    let (file, result) = try Self.load(editing: { _ in })
    defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
    let models = try result.get()
    #expect(models.models.map(\.version) == ["person-2026.1", "government-2026.1"])
  }

  @Test("a broken models file is refused with a ListError naming the file", arguments: edits)
  func refused(_ row: ModelsFileEdit) throws {
    let (file, result) = try Self.load(editing: row.edit)
    defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
    guard case .failure(let error) = result else {
      Issue.record("loaded without complaint")
      return
    }
    #expect(error.file == file.path)
    #expect(error.description.contains("evaluation.json"))
    for text in row.says {
      #expect(error.problem.contains(text), "\(error.problem)")
    }
  }

  @Test("a missing or malformed file is refused naming the file")
  func unreadable() throws {
    let directory = FileManager.default.temporaryDirectory
      .appending(path: "creditgate-models-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let lists = try RulesFixture.lists()
    let missing = #expect(throws: ListError.self) { try EvaluationModels.load(from: directory, lists: lists) }
    #expect(missing?.file.hasSuffix("evaluation.json") == true)
    try Data("{\"models\": [".utf8).write(to: directory.appending(path: EvaluationModels.file))
    let malformed = #expect(throws: ListError.self) { try EvaluationModels.load(from: directory, lists: lists) }
    #expect(malformed?.file.hasSuffix("evaluation.json") == true)
  }
}

extension EvaluationModelsLoadTests {
  /// `model(for:)` takes the first model that claims a kind; a second claim would be ignored
  /// silently and the model applied would depend on the order of the file.
  @Test("a subject kind claimed by two models is refused")
  func kindClaimedTwice() throws {
    let (file, result) = try Self.load(editing: { models in
      let i = Self.index(models, "government-2026.1")
      models[i]["subject_kinds"] = ["government", "organisation"]
    })
    defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
    guard case .failure(let error) = result else {
      Issue.record("loaded although person-2026.1 and government-2026.1 both claim organisation")
      return
    }
    #expect(error.file == file.path)
    #expect(error.problem.contains("organisation"), "\(error.problem)")
  }
}
