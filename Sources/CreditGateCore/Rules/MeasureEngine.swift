/// The overall answer of a measures check.
public enum MeasureDecision: String, Sendable, Hashable, CaseIterable {
  /// No restriction applies (incentives may).
  case eligible = "ELIGIBLE"
  case restricted = "RESTRICTED"
  case disqualified = "DISQUALIFIED"
}

/// A published measure that applies to a subject, with what triggered it.
public struct AppliedMeasure: Sendable, Hashable {
  public var measure: Measure
  public var triggerRecordIDs: [String]
  public var triggerList: CreditList?
}

/// Applies the published measures (联合奖惩措施) of a purpose to a subject. A measure that is
/// not on the published list is never applied.
public enum MeasureEngine {
  /// The measures of `purpose` that apply, and the decision they add up to. A list trigger
  /// applies when `memberships` holds the list; a category trigger, on a disclosable
  /// record of the category at or above its least severity. Disqualification outweighs restriction.
  public static func apply(
    purpose: String, records: [CreditRecord], memberships: [ListMembership],
    lists: PublishedLists, today: LocalDate
  ) -> (decision: MeasureDecision, measures: [AppliedMeasure]) {
    // A disputed record counts until the objection is upheld (DESIGN §9: flagged, not set aside).
    let current = records.filter {
      Disclosure.isDisclosable($0, category: lists.category($0.content.category), today: today)
    }
    var applied: [AppliedMeasure] = []
    for measure in lists.measures where measure.purposes.contains(purpose) {
      if let list = measure.trigger.list {
        if let membership = memberships.first(where: { $0.list.rawValue == list }) {
          applied.append(
            AppliedMeasure(measure: measure, triggerRecordIDs: membership.recordIDs, triggerList: membership.list))
        }
      } else if let category = measure.trigger.category {
        let minimum = measure.trigger.minSeverity
        let triggers = current.filter { record in
          record.content.category == category
            && (minimum == nil || (record.content.severity.map { $0 >= minimum! } ?? false))
        }
        if !triggers.isEmpty {
          applied.append(AppliedMeasure(measure: measure, triggerRecordIDs: triggers.map(\.id), triggerList: nil))
        }
      }
    }
    let effects = Set(applied.map(\.measure.effect))
    let decision: MeasureDecision =
      effects.contains(.disqualification) ? .disqualified
      : effects.contains(.restriction) ? .restricted : .eligible
    return (decision, applied)
  }
}
