/// What a joint reward or punishment measure (联合奖惩措施) does to the matter at hand.
public enum MeasureEffect: String, Sendable, Hashable, Codable, CaseIterable {
  case incentive = "INCENTIVE"
  case restriction = "RESTRICTION"
  case disqualification = "DISQUALIFICATION"
}

/// What makes a measure apply to a subject.
public struct MeasureTrigger: Sendable, Hashable, Codable {
  /// A derived list: `serious-dishonesty` or `red`.
  public var list: String?
  /// A catalogue category, with the least severity that triggers.
  public var category: String?
  public var minSeverity: Severity?

  /// Creates a trigger: either `list`, or `category` with the least severity that triggers
  /// (nil: any record of the category).
  public init(list: String? = nil, category: String? = nil, minSeverity: Severity? = nil) {
    self.list = list
    self.category = category
    self.minSeverity = minSeverity
  }

  enum CodingKeys: String, CodingKey {
    case list, category
    case minSeverity = "min_severity"
  }
}

/// One published measure. A measure that is not on the published list is never applied.
public struct Measure: Sendable, Hashable, Codable, Identifiable {
  public var code: String
  public var name: String
  public var purposes: [String]
  public var trigger: MeasureTrigger
  public var effect: MeasureEffect
  public var description: String
  public var legalBasis: String

  public var id: String { code }

  enum CodingKeys: String, CodingKey {
    case code, name, purposes, trigger, effect, description
    case legalBasis = "legal_basis"
  }
}
