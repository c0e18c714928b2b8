/// Whether a category's records show trust kept, trust broken, or neither.
public enum Polarity: String, Sendable, Hashable, Codable, CaseIterable {
  case trustKeeping = "trust-keeping"
  case trustBreaking = "trust-breaking"
  case neutral
}

/// The severity of a trust-breaking record (国办发〔2025〕22号).
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
  case minor, general, serious

  /// `Comparable`: in the order of the cases, `minor` < `general` < `serious`.
  public static func < (lhs: Severity, rhs: Severity) -> Bool {
    allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
  }
}

/// How long a record of a category may be disclosed, in days counted from the decision.
public struct DisclosureBound: Sendable, Hashable, Codable {
  public var minDays: Int
  public var maxDays: Int

  /// Creates a bound: a record's disclosure ends between `minDays` and `maxDays` days after
  /// the decision.
  public init(minDays: Int, maxDays: Int) {
    self.minDays = minDays
    self.maxDays = maxDays
  }

  enum CodingKeys: String, CodingKey {
    case minDays = "min_days"
    case maxDays = "max_days"
  }
}

/// One category of the public credit information catalogue (公共信用信息目录).
public struct Category: Sendable, Hashable, Codable, Identifiable {
  public var code: String
  public var name: String
  public var subjectKinds: [SubjectKind]
  public var polarity: Polarity
  /// The evaluation dimension the category feeds.
  public var dimension: String
  public var repairable: Bool
  /// Disclosure bounds by severity for trust-breaking categories; the `general` bound also
  /// applies to trust-keeping and neutral records, which carry no severity.
  public var disclosure: [Severity: DisclosureBound]
  /// Whether a serious active record of this category puts the subject on the
  /// serious-dishonesty list (严重失信主体名单).
  public var listed: Bool

  public var id: String { code }

  /// Creates a category; `listed` defaults to false, as it does when the catalogue leaves it out.
  public init(
    code: String, name: String, subjectKinds: [SubjectKind], polarity: Polarity,
    dimension: String, repairable: Bool, disclosure: [Severity: DisclosureBound],
    listed: Bool = false
  ) {
    self.code = code
    self.name = name
    self.subjectKinds = subjectKinds
    self.polarity = polarity
    self.dimension = dimension
    self.repairable = repairable
    self.disclosure = disclosure
    self.listed = listed
  }

  /// The bound that applies to a record of this category with the given severity.
  public func disclosureBound(for severity: Severity?) -> DisclosureBound? {
    disclosure[severity ?? .general]
  }

  enum CodingKeys: String, CodingKey {
    case code, name, polarity, dimension, repairable, listed
    case subjectKinds = "subject_kinds"
    case disclosure = "disclosure_days"
  }

  /// `Decodable`: reads one entry of `catalogue.json`. `listed` may be left out (false);
  /// `disclosure_days` is keyed by severity name, and an unknown severity is an error.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    code = try c.decode(String.self, forKey: .code)
    name = try c.decode(String.self, forKey: .name)
    subjectKinds = try c.decode([SubjectKind].self, forKey: .subjectKinds)
    polarity = try c.decode(Polarity.self, forKey: .polarity)
    dimension = try c.decode(String.self, forKey: .dimension)
    repairable = try c.decode(Bool.self, forKey: .repairable)
    listed = try c.decodeIfPresent(Bool.self, forKey: .listed) ?? false
    let bounds = try c.decode([String: DisclosureBound].self, forKey: .disclosure)
    var disclosure: [Severity: DisclosureBound] = [:]
    for (key, bound) in bounds {
      guard let severity = Severity(rawValue: key) else {
        throw DecodingError.dataCorruptedError(
          forKey: .disclosure, in: c, debugDescription: "unknown severity \"\(key)\"")
      }
      disclosure[severity] = bound
    }
    self.disclosure = disclosure
  }

  /// `Encodable`: writes the entry in the layout `init(from:)` reads.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(code, forKey: .code)
    try c.encode(name, forKey: .name)
    try c.encode(subjectKinds, forKey: .subjectKinds)
    try c.encode(polarity, forKey: .polarity)
    try c.encode(dimension, forKey: .dimension)
    try c.encode(repairable, forKey: .repairable)
    try c.encode(listed, forKey: .listed)
    try c.encode(
      Dictionary(uniqueKeysWithValues: disclosure.map { ($0.key.rawValue, $0.value) }),
      forKey: .disclosure)
  }
}
