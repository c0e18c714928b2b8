/// The usage statistics a privacy officer sees (DESIGN §8): how many calls the audit log
/// records per day (in China), institution, method and outcome.
public struct UsageStatistics: Sendable, Hashable {
  /// One count: the calls of one institution to one method on one day that ended one way.
  public struct Row: Sendable, Hashable {
    /// The day in China (UTC+8) of the entries' times.
    public var day: LocalDate
    /// The calling institution; empty for a caller that could not be authenticated.
    public var institutionID: String
    /// The full gRPC method path.
    public var method: String
    /// How the calls ended.
    public var outcome: AuditOutcome
    /// How many calls; never zero.
    public var count: Int

    /// A count as the statistics hold it.
    public init(day: LocalDate, institutionID: String, method: String, outcome: AuditOutcome, count: Int) {
      self.day = day
      self.institutionID = institutionID
      self.method = method
      self.outcome = outcome
      self.count = count
    }
  }

  /// Ordered by day, institution, method, then outcome by its name; no row has a zero count.
  public private(set) var rows: [Row]

  private struct Key: Hashable {
    var day: LocalDate, institutionID: String, method: String, outcome: AuditOutcome
  }

  /// Counts `entries`, whatever their order.
  public init(_ entries: some Sequence<AuditEntry>) {
    var counts: [Key: Int] = [:]
    for entry in entries {
      let key = Key(
        day: LocalDate.todayInChina(now: entry.time), institutionID: entry.institutionID, method: entry.method,
        outcome: entry.outcome)
      counts[key, default: 0] += 1
    }
    rows = counts.map { key, count in
      Row(day: key.day, institutionID: key.institutionID, method: key.method, outcome: key.outcome, count: count)
    }
    .sorted { a, b in
      (a.day, a.institutionID, a.method, a.outcome.rawValue) < (b.day, b.institutionID, b.method, b.outcome.rawValue)
    }
  }
}
