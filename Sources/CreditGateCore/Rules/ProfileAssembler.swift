/// What a query for one purpose may learn about a subject: the records of the purpose's
/// categories, the derived lists, the measures of the purpose, and — when the purpose's list
/// entry says so — the evaluation.
public struct Profile: Sendable, Hashable {
  public var records: [CreditRecord]
  public var evaluation: Evaluation?
  public var memberships: [ListMembership]
  public var measures: [AppliedMeasure]
  public var decision: MeasureDecision
}

public enum ProfileAssembler {
  /// The factor that sums the records a purpose may not see, so an explanation still adds up
  /// without naming them.
  public static let undisclosedFactor = "records outside this purpose's categories"

  /// Assembles the answer. Lists, measures and the evaluation are computed from every record a
  /// query may see, but record ids are named only for the records the purpose discloses.
  public static func assemble(
    subjectKind: SubjectKind, records: [CreditRecord], purpose: Purpose, granted: Set<String>,
    lists: PublishedLists, models: EvaluationModels, today: LocalDate
  ) -> Profile {
    let disclosable = records.filter {
      Disclosure.isDisclosable($0, category: lists.category($0.content.category), today: today)
    }
    let disclosed = disclosable.filter { granted.contains($0.content.category) }
    let shown = Set(disclosed.map(\.id))
    let memberships = DerivedLists.memberships(records: records, lists: lists, today: today)
    let (decision, measures) = MeasureEngine.apply(
      purpose: purpose.code, records: disclosable, memberships: memberships, lists: lists, today: today)

    var evaluation: Evaluation?
    if purpose.showsGrade, let model = models.model(for: subjectKind) {
      var full = Evaluation.evaluate(records: disclosable, model: model, lists: lists, today: today)
      for index in full.dimensions.indices {
        let factors = full.dimensions[index].factors
        let hidden = factors.filter { !shown.contains($0.recordID) }.reduce(0) { $0 + $1.points }
        full.dimensions[index].factors = factors.filter { shown.contains($0.recordID) }
        if factors.contains(where: { !shown.contains($0.recordID) }) {
          full.dimensions[index].factors.append(
            Evaluation.Factor(recordID: "", category: undisclosedFactor, points: hidden))
        }
      }
      evaluation = full
    }
    return Profile(
      records: disclosed,
      evaluation: evaluation,
      memberships: memberships.map { ListMembership(list: $0.list, recordIDs: $0.recordIDs.filter(shown.contains)) },
      measures: measures.map { applied in
        var applied = applied
        applied.triggerRecordIDs = applied.triggerRecordIDs.filter(shown.contains)
        return applied
      },
      decision: decision)
  }
}
