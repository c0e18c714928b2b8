/// What a query for one purpose may learn about a subject: the records within its scope, the
/// derived lists, the measures of the purpose, and — when the purpose's list entry says so —
/// the evaluation; and the scope itself, so that the answer says what it left out.
public struct Profile: Sendable, Hashable {
  public var records: [CreditRecord]
  public var evaluation: Evaluation?
  public var memberships: [ListMembership]
  public var measures: [AppliedMeasure]
  public var decision: MeasureDecision
  public var scope: QueryScope

  /// What the evaluation rests on, as the answer states it.
  public var evaluationBasis: String {
    records.count == 1 ? "the 1 record in this answer" : "the \(records.count) records in this answer"
  }
}

/// The one place the minimum-necessary rule is applied (DESIGN §4–§7). Everything an
/// institution receives — records, evaluation, measures, decision — is computed from the
/// records in its answer alone: disclosable, and of a category in the scope. The one exception
/// is membership of the two derived lists, which the law makes public: it is computed from
/// every disclosable record and names only the records in the answer.
public enum ProfileAssembler {
  /// The profile a query for `purpose` within `scope` may receive on `today`, about a subject
  /// of `subjectKind` whose stored records are `records` (all of them: the filtering is done here).
  public static func assemble(
    subjectKind: SubjectKind, records: [CreditRecord], purpose: Purpose, scope: QueryScope,
    lists: PublishedLists, models: EvaluationModels, today: LocalDate
  ) -> Profile {
    let scope = scope.applying(to: subjectKind, lists: lists)
    let covered = Set(scope.covered)
    let disclosed = records.filter {
      covered.contains($0.content.category)
        && Disclosure.isDisclosable($0, category: lists.category($0.content.category), today: today)
    }
    let shown = Set(disclosed.map(\.id))
    let memberships = DerivedLists.memberships(records: records, lists: lists, today: today).map {
      ListMembership(list: $0.list, recordIDs: $0.recordIDs.filter(shown.contains))
    }
    let (decision, measures) = MeasureEngine.apply(
      purpose: purpose.code, records: disclosed, memberships: memberships, lists: lists, today: today)
    let evaluation = models.model(for: subjectKind).flatMap { model in
      purpose.showsGrade ? Evaluation.evaluate(records: disclosed, model: model, lists: lists, today: today) : nil
    }
    return Profile(
      records: disclosed, evaluation: evaluation, memberships: memberships, measures: measures,
      decision: decision, scope: scope)
  }
}
