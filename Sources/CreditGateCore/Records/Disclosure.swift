/// Which stored records a query may see (DESIGN §5). The subject's own view is not filtered
/// by these rules.
public enum Disclosure {
  /// Trust-breaking information is never supplied more than five years after the act ended
  /// (征信业管理条例 art. 16).
  public static let trustBreakingRetentionYears = 5

  /// Whether a record may be disclosed to a query on `today`.
  public static func isDisclosable(
    _ record: CreditRecord, category: Category?, today: LocalDate
  ) -> Bool {
    switch record.status {
    case .revoked, .repaired: return false
    case .active, .disputed: break
    }
    guard today <= record.content.disclosureUntil else { return false }
    if category?.polarity == .trustBreaking, let ended = record.content.actEndedOn {
      let (y, m, d) = ended.parts
      let limit =
        LocalDate(year: y + trustBreakingRetentionYears, month: m, day: d)
        ?? LocalDate(year: y + trustBreakingRetentionYears, month: m, day: d - 1)!
      if today > limit { return false }
    }
    return true
  }
}
