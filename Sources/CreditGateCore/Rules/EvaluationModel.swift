public import Foundation

/// A versioned evaluation model (DESIGN §6): five dimensions, points per record by polarity and
/// severity, and grade bands on the total. Data, loaded from `config/evaluation.json`.
public struct EvaluationModel: Sendable, Hashable, Codable {
  /// One dimension of the model: the code that categories name as their `dimension`, and its name.
  public struct Dimension: Sendable, Hashable, Codable {
    public var code: String
    public var name: String
  }

  /// The points one record moves its dimension by: one value per polarity, and for a
  /// trust-breaking record one per severity (`general` when it has none).
  public struct Points: Sendable, Hashable, Codable {
    public var trustKeeping: Int
    public var neutral: Int
    public var minor: Int
    public var general: Int
    public var serious: Int

    enum CodingKeys: String, CodingKey {
      case trustKeeping = "trust-keeping"
      case neutral, minor, general, serious
    }
  }

  /// A grade and the least total that reaches it.
  public struct Band: Sendable, Hashable, Codable {
    public var grade: String
    public var minTotal: Int
    enum CodingKeys: String, CodingKey {
      case grade
      case minTotal = "min_total"
    }
  }

  public var version: String
  public var subjectKinds: [SubjectKind]
  public var dimensions: [Dimension]
  /// Every dimension starts here; records move it, within `minScore...maxScore`.
  public var baseScore: Int
  public var minScore: Int
  public var maxScore: Int
  public var points: Points
  /// Highest band first; the first whose minimum the total reaches is the grade.
  public var grades: [Band]

  enum CodingKeys: String, CodingKey {
    case version, dimensions, points, grades
    case subjectKinds = "subject_kinds"
    case baseScore = "base_score"
    case minScore = "min_score"
    case maxScore = "max_score"
  }

  /// The points one record contributes.
  public func points(polarity: Polarity, severity: Severity?) -> Int {
    switch (polarity, severity) {
    case (.trustKeeping, _): return points.trustKeeping
    case (.neutral, _): return points.neutral
    case (.trustBreaking, .minor): return points.minor
    case (.trustBreaking, .serious): return points.serious
    case (.trustBreaking, _): return points.general
    }
  }

  /// The grade of `total`: the first band whose minimum it reaches, else the lowest band.
  public func grade(total: Int) -> String {
    grades.first { total >= $0.minTotal }?.grade ?? grades.last?.grade ?? ""
  }
}

/// The evaluation models in force, one per subject kind.
public struct EvaluationModels: Sendable, Codable {
  public var models: [EvaluationModel]

  public static let file = "evaluation.json"

  /// The model that evaluates subjects of `kind`, if one claims it.
  public func model(for kind: SubjectKind) -> EvaluationModel? {
    models.first { $0.subjectKinds.contains(kind) }
  }

  /// Loads and checks the models against the catalogue: every dimension a category feeds
  /// belongs to the model of each subject kind the category applies to.
  public static func load(from directory: URL, lists: PublishedLists) throws(ListError) -> EvaluationModels {
    let url = directory.appending(path: file)
    let data: Data
    do { data = try Data(contentsOf: url) } catch { throw ListError(file: url.path, "cannot be read") }
    let models: EvaluationModels
    do { models = try JSONDecoder().decode(EvaluationModels.self, from: data) } catch {
      throw ListError(file: url.path, ConfigurationDecoding.explain(error, in: data))
    }
    try models.validate(lists: lists, file: url.path)
    return models
  }

  func validate(lists: PublishedLists, file: String) throws(ListError) {
    for model in models {
      guard model.dimensions.count == 5 else {
        throw ListError(file: file, "model \(model.version) must have five dimensions")
      }
      guard !model.grades.isEmpty,
        zip(model.grades, model.grades.dropFirst()).allSatisfy({ $0.minTotal > $1.minTotal })
      else {
        throw ListError(file: file, "model \(model.version): grades must run from the highest minimum down")
      }
      guard model.minScore <= model.baseScore, model.baseScore <= model.maxScore else {
        throw ListError(file: file, "model \(model.version): base_score must lie within min_score...max_score")
      }
    }
    for kind in SubjectKind.allCases {
      let claims = models.filter { $0.subjectKinds.contains(kind) }
      guard claims.count <= 1 else {
        throw ListError(
          file: file, "\(kind.rawValue) is claimed by more than one model: \(claims.map(\.version).joined(separator: ", "))")
      }
      guard let model = model(for: kind) else {
        throw ListError(file: file, "no model for \(kind.rawValue)")
      }
      let dimensions = Set(model.dimensions.map(\.code))
      for category in lists.categories where category.subjectKinds.contains(kind) {
        guard dimensions.contains(category.dimension) else {
          throw ListError(
            file: file,
            "category \"\(category.code)\" feeds dimension \"\(category.dimension)\", which model \(model.version) lacks")
        }
      }
    }
  }
}
