/// An explained evaluation (PIPL art. 24): the model version, each dimension's score and the
/// records that moved it, the total and the grade.
public struct Evaluation: Sendable, Hashable {
  /// One record that moved a dimension: its id, its category and the points it added or took away.
  public struct Factor: Sendable, Hashable, CustomStringConvertible {
    public var recordID: String
    public var category: String
    public var points: Int
    public var description: String {
      let signed = "\(points >= 0 ? "+" : "")\(points)"
      return recordID.isEmpty ? "\(category) \(signed)" : "\(recordID) (\(category)) \(signed)"
    }
  }

  /// One dimension's score, kept within the model's range, with the factors that moved it.
  public struct DimensionScore: Sendable, Hashable {
    public var dimension: String
    public var name: String
    public var score: Int
    public var factors: [Factor]
  }

  public var modelVersion: String
  public var dimensions: [DimensionScore]
  public var total: Int
  public var grade: String

  /// Evaluates the records a query may see on `today` with `model`. Deterministic: the same
  /// records give the same result whatever their order.
  public static func evaluate(
    records: [CreditRecord], model: EvaluationModel, lists: PublishedLists, today: LocalDate
  ) -> Evaluation {
    var factors: [String: [Factor]] = [:]
    for record in records.sorted(by: { $0.id < $1.id }) {
      guard let category = lists.category(record.content.category),
        Disclosure.isDisclosable(record, category: category, today: today)
      else { continue }
      let points = model.points(polarity: category.polarity, severity: record.content.severity)
      guard points != 0 else { continue }
      factors[category.dimension, default: []].append(
        Factor(recordID: record.id, category: category.code, points: points))
    }
    let dimensions = model.dimensions.map { dimension in
      let moved = factors[dimension.code] ?? []
      let raw = model.baseScore + moved.reduce(0) { $0 + $1.points }
      return DimensionScore(
        dimension: dimension.code, name: dimension.name,
        score: min(model.maxScore, max(model.minScore, raw)), factors: moved)
    }
    let total = dimensions.reduce(0) { $0 + $1.score }
    return Evaluation(
      modelVersion: model.version, dimensions: dimensions, total: total, grade: model.grade(total: total))
  }
}
