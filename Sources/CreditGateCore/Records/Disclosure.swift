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
      // 29 February ends on 28 February; computed without a year bound, so that no stored
      // date can stop a query.
      if today > ended.adding(years: trustBreakingRetentionYears) { return false }
    }
    return true
  }
}
