import Foundation

/// A pattern in the access log a privacy officer should look at, with the entries behind it.
public struct Anomaly: Sendable, Hashable {
  public var rule: String
  public var institutionID: String
  public var description: String
  public var sequences: [UInt64]
}

/// The anomaly rules of DESIGN §8 over a window of the audit log: pure, deterministic, with
/// thresholds as data so that tests (and deployments) can set them.
public struct AnomalyDetector: Sendable {
  /// The counts and shares at which the rules report.
  public struct Thresholds: Sendable, Hashable {
    /// Distinct subjects queried for consent-based purposes without a consent id.
    public var subjectsWithoutConsent = 5
    /// Identity verifications answered MISMATCH.
    public var identityMismatches = 5
    /// A purpose below this share of an institution's queries is unusual…
    public var unusualPurposeShare = 0.05
    /// …once the institution has made at least this many queries.
    public var unusualPurposeMinimumQueries = 20
    /// Queries within one hour between 00:00 and 06:00 China time.
    public var oddHourQueries = 10
    /// Calls refused (denied or invalid) out of at least `denialMinimumCalls`.
    public var denialRate = 0.5
    public var denialMinimumCalls = 10

    /// The default thresholds.
    public init() {}
  }

  public static let queryService = "/creditgate.v1.CreditQuery/"
  public var thresholds: Thresholds
  /// Codes of consent-based purposes.
  public var consentPurposes: Set<String>

  /// Creates a detector; `consentPurposes` are the codes of the purposes that need consent.
  public init(consentPurposes: Set<String>, thresholds: Thresholds = Thresholds()) {
    self.consentPurposes = consentPurposes
    self.thresholds = thresholds
  }

  /// The anomalies in `entries`, institution by institution in id order, each with the sequence
  /// numbers of the entries behind it. Entries with no institution are left out.
  public func detect(_ entries: [AuditEntry]) -> [Anomaly] {
    var anomalies: [Anomaly] = []
    let byInstitution = Dictionary(grouping: entries.filter { !$0.institutionID.isEmpty }, by: \.institutionID)
    for institution in byInstitution.keys.sorted() {
      let calls = byInstitution[institution]!.sorted { $0.sequence < $1.sequence }
      let queries = calls.filter { $0.method.hasPrefix(Self.queryService) }

      let withoutConsent = queries.filter {
        consentPurposes.contains($0.purpose) && $0.consentID.isEmpty && !$0.subjectPseudonym.isEmpty
      }
      let subjects = Set(withoutConsent.map(\.subjectPseudonym))
      if subjects.count >= thresholds.subjectsWithoutConsent {
        anomalies.append(Anomaly(
          rule: "subjects-without-consent", institutionID: institution,
          description: "\(subjects.count) distinct subjects queried for consent-based purposes without a consent",
          sequences: withoutConsent.map(\.sequence)))
      }

      let mismatches = queries.filter { $0.method.hasSuffix("/VerifyIdentity") && $0.reason == "MISMATCH" }
      if mismatches.count >= thresholds.identityMismatches {
        anomalies.append(Anomaly(
          rule: "identity-probing", institutionID: institution,
          description: "\(mismatches.count) identity verifications answered MISMATCH",
          sequences: mismatches.map(\.sequence)))
      }

      if queries.count >= thresholds.unusualPurposeMinimumQueries {
        let byPurpose = Dictionary(grouping: queries.filter { !$0.purpose.isEmpty }, by: \.purpose)
        for purpose in byPurpose.keys.sorted() {
          let used = byPurpose[purpose]!
          let share = Double(used.count) / Double(queries.count)
          if share < thresholds.unusualPurposeShare {
            anomalies.append(Anomaly(
              rule: "unusual-purpose", institutionID: institution,
              description: "purpose \(purpose) in \(used.count) of \(queries.count) queries",
              sequences: used.map(\.sequence)))
          }
        }
      }

      let night = queries.filter { Self.chinaHour($0.time) < 6 }
      let byHour = Dictionary(grouping: night) { Int($0.time.timeIntervalSince1970 / 3600) }
      for hour in byHour.keys.sorted() where byHour[hour]!.count >= thresholds.oddHourQueries {
        let burst = byHour[hour]!
        anomalies.append(Anomaly(
          rule: "odd-hours-burst", institutionID: institution,
          description: "\(burst.count) queries within one hour at night (China time)",
          sequences: burst.map(\.sequence)))
      }

      let refused = calls.filter { $0.outcome == .denied || $0.outcome == .invalid }
      if calls.count >= thresholds.denialMinimumCalls,
        Double(refused.count) / Double(calls.count) >= thresholds.denialRate
      {
        anomalies.append(Anomaly(
          rule: "denial-spike", institutionID: institution,
          description: "\(refused.count) of \(calls.count) calls refused",
          sequences: refused.map(\.sequence)))
      }
    }
    return anomalies
  }

  /// The hour of the day in China (UTC+8).
  static func chinaHour(_ time: Date) -> Int {
    let seconds = Int((time.timeIntervalSince1970 + 8 * 3600).rounded(.down))
    return ((seconds % 86_400 + 86_400) % 86_400) / 3600
  }
}

extension AnomalyDetector {
  /// The rule name of a case left undecided past its deadline.
  public static let overdueCaseRule = "overdue-case"

  /// An anomaly for each open case past its deadline on `today` (DESIGN §9): the credit office
  /// owes the person a decision. Each names the filing's entry.
  public static func overdueCases(_ cases: [CreditCase], today: LocalDate) -> [Anomaly] {
    cases.filter { $0.isOverdue(today: today) }.sorted(by: CreditCase.precedes(today: today)).map { item in
      Anomaly(
        rule: overdueCaseRule, institutionID: "",
        description:
          "\(item.kind.rawValue.lowercased()) \(item.id) was due by \(item.decideBy) and is undecided (\(today.dayNumber - item.decideBy.dayNumber) days overdue)",
        sequences: item.filedSequence == 0 ? [] : [item.filedSequence])
    }
  }
}
