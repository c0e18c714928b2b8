public import Foundation

/// Repair by good deeds (按时履约、志愿服务、慈善捐助): which trust-keeping records a repair
/// application may cite as grounds, for which trust-breaking categories, and where a ground is
/// required. Data (`config/repair_grounds.json`), checked against the catalogue at start.
public struct RepairGrounds: Sendable, Hashable, Codable {
  /// The grounds of one trust-breaking category.
  public struct Rule: Sendable, Hashable, Codable {
    /// The trust-breaking category repaired.
    public var category: String
    /// The trust-keeping categories whose records count as grounds.
    public var grounds: [String]
    /// Whether an application must cite at least one ground.
    public var required: Bool

    /// A rule: records of `grounds` count for repairing `category`.
    public init(category: String, grounds: [String], required: Bool = false) {
      self.category = category
      self.grounds = grounds
      self.required = required
    }

    enum CodingKeys: String, CodingKey { case category, grounds, required }

    /// `Decodable`: `required` may be left out (false).
    public init(from decoder: any Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      category = try c.decode(String.self, forKey: .category)
      grounds = try c.decode([String].self, forKey: .grounds)
      required = try c.decodeIfPresent(Bool.self, forKey: .required) ?? false
    }
  }

  public var rules: [Rule]

  /// The file under the lists folder.
  public static let file = "repair_grounds.json"
  /// The most grounds one application may cite.
  public static let limit = 10

  /// The grounds configured for `rules`.
  public init(rules: [Rule]) {
    self.rules = rules
  }

  /// The rule of `category`, if it has one.
  public func rule(for category: String) -> Rule? { rules.first { $0.category == category } }

  /// Checks cited records as grounds for repairing `record`: each must be one of the person's
  /// own, disclosed, of a category that counts for the record's category; none twice; and a
  /// ground must be cited where the rule requires one. `cited` holds the stored record of each
  /// id in `ids` (nil if there is none).
  public func check(
    record: CreditRecord, ids: [String], cited: [CreditRecord?], category: (String) -> Category?, today: LocalDate
  ) throws(GatewayError) {
    let rule = rule(for: record.content.category)
    guard ids.count <= Self.limit else {
      throw .invalid("ground_record_ids", "cites \(ids.count) records; at most \(Self.limit)")
    }
    if rule?.required == true, ids.isEmpty {
      let names = rule?.grounds.joined(separator: ", ") ?? ""
      throw GatewayError(
        .failedPrecondition, field: "ground_record_ids",
        "repairing \(record.content.category) needs a ground: a record of \(names)")
    }
    var seen: Set<String> = []
    for (index, (id, ground)) in zip(ids, cited).enumerated() {
      let field = "ground_record_ids[\(index)]"
      guard seen.insert(id).inserted else { throw .invalid(field, "cites the same record twice") }
      guard let ground, ground.content.subjectCode == record.content.subjectCode else {
        throw GatewayError(.notFound, field: field, "no such record about this subject")
      }
      guard rule?.grounds.contains(ground.content.category) == true else {
        let counted = rule.map { $0.grounds.isEmpty ? "none" : $0.grounds.joined(separator: ", ") } ?? "none"
        throw GatewayError(
          .failedPrecondition, field: field,
          "a \(ground.content.category) record does not count as a ground for repairing \(record.content.category) (grounds that count: \(counted))")
      }
      if let reason = Disclosure.withheldReason(ground, category: category(ground.content.category), today: today) {
        throw GatewayError(.failedPrecondition, field: field, "the cited record is not in force: \(reason)")
      }
    }
  }

  /// Checks the rules against the catalogue: every repaired category trust-breaking and
  /// repairable, every ground trust-keeping, none twice.
  public func validate(lists: PublishedLists, file: String) throws(ListError) {
    var seen: Set<String> = []
    for rule in rules {
      guard seen.insert(rule.category).inserted else { throw ListError(file: file, "\(rule.category) appears twice") }
      guard let category = lists.category(rule.category), category.polarity == .trustBreaking, category.repairable else {
        throw ListError(file: file, "\(rule.category) is not a repairable trust-breaking category of the catalogue")
      }
      for ground in rule.grounds {
        guard lists.category(ground)?.polarity == .trustKeeping else {
          throw ListError(file: file, "\(rule.category): ground \(ground) is not a trust-keeping category of the catalogue")
        }
      }
    }
  }

  /// Loads and checks `repair_grounds.json` from the lists folder.
  public static func load(from directory: URL, lists: PublishedLists) throws(ListError) -> RepairGrounds {
    let url = directory.appending(path: file)
    let data: Data
    do { data = try Data(contentsOf: url) } catch { throw ListError(file: url.path, "cannot be read") }
    let grounds: RepairGrounds
    do { grounds = try JSONDecoder().decode(RepairGrounds.self, from: data) } catch {
      throw ListError(file: url.path, ConfigurationDecoding.explain(error, in: data))
    }
    try grounds.validate(lists: lists, file: url.path)
    return grounds
  }
}
