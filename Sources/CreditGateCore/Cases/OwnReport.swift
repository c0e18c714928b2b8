public import Foundation

/// Where one of the person's records stands: disclosed to others or not and why, until when,
/// and whether it can be repaired (DESIGN §6, §9).
public struct RecordStanding: Sendable, Hashable {
  public var recordID: String
  /// Why institutions no longer see it; nil while it is disclosed.
  public var withheldReason: String?
  /// The last day it is disclosed (trust-breaking records only).
  public var disclosedUntil: LocalDate?
  /// Whether and from when it can be repaired (trust-breaking records only).
  public var repair: RepairEligibility?

  /// The standing of `record` on `today`.
  public init(_ record: CreditRecord, category: Category?, today: LocalDate) {
    recordID = record.id
    withheldReason = Disclosure.withheldReason(record, category: category, today: today)
    guard category?.polarity == .trustBreaking else { return }
    disclosedUntil = Disclosure.lastDisclosedDay(record, category: category)
    repair = RepairEligibility.of(record, category: category, today: today)
  }
}

/// How often one institution queried the person for one purpose.
public struct QuerySummary: Sendable, Hashable {
  public var institutionID: String
  public var purpose: String
  public var answered: Int
  public var refused: Int
  public var lastAt: Date
}

/// The person's own report (GetOwnReport): every record held about them, also those no longer
/// disclosed, each with its standing; the lists and the evaluation as institutions see them
/// (from the disclosed records, DESIGN §5); their consents, cases, and who queried them.
public struct OwnReport: Sendable, Hashable {
  public var records: [CreditRecord]
  public var standings: [RecordStanding]
  public var evaluation: Evaluation?
  public var memberships: [ListMembership]
  public var queriedBy: [QuerySummary]

  /// Assembles the report of a subject of `kind` from every stored record of theirs and the
  /// audit entries about them.
  public static func assemble(
    kind: SubjectKind, records: [CreditRecord], entries: [AuditEntry], lists: PublishedLists,
    models: EvaluationModels, today: LocalDate
  ) -> OwnReport {
    let standings = records.map { RecordStanding($0, category: lists.category($0.content.category), today: today) }
    let disclosed = zip(records, standings).filter { $0.1.withheldReason == nil }.map(\.0)
    let evaluation = models.model(for: kind).map {
      Evaluation.evaluate(records: disclosed, model: $0, lists: lists, today: today)
    }
    return OwnReport(
      records: records, standings: standings, evaluation: evaluation,
      memberships: DerivedLists.memberships(records: records, lists: lists, today: today),
      queriedBy: summarize(entries))
  }

  /// The `CreditQuery` calls among `entries`, by institution and purpose, most recent first.
  public static func summarize(_ entries: [AuditEntry]) -> [QuerySummary] {
    var summaries: [String: QuerySummary] = [:]
    for entry in entries where entry.method.hasPrefix(AnomalyDetector.queryService) {
      let key = entry.institutionID + "\u{0}" + entry.purpose
      var summary =
        summaries[key]
        ?? QuerySummary(institutionID: entry.institutionID, purpose: entry.purpose, answered: 0, refused: 0, lastAt: entry.time)
      if entry.outcome == .answered { summary.answered += 1 } else { summary.refused += 1 }
      summary.lastAt = max(summary.lastAt, entry.time)
      summaries[key] = summary
    }
    return summaries.values.sorted { ($0.lastAt, $0.institutionID, $0.purpose) > ($1.lastAt, $1.institutionID, $1.purpose) }
  }
}
