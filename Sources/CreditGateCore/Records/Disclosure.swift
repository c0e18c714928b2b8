/// Which stored records a query may see (DESIGN §5). The subject's own view is not filtered
/// by these rules: it shows every record, with `withheldReason` for those others do not see.
public enum Disclosure {
  /// Trust-breaking information is never supplied more than five years after the act ended
  /// (征信业管理条例 art. 16).
  public static let trustBreakingRetentionYears = 5

  /// Whether a record may be disclosed to a query on `today`.
  public static func isDisclosable(
    _ record: CreditRecord, category: Category?, today: LocalDate
  ) -> Bool {
    withheldReason(record, category: category, today: today) == nil
  }

  /// Why a record is not disclosed to queries on `today`, or nil if it is.
  public static func withheldReason(
    _ record: CreditRecord, category: Category?, today: LocalDate
  ) -> String? {
    switch record.status {
    case .revoked: return "revoked by its provider"
    case .repaired: return "repaired"
    case .objectionUpheld: return "an objection against it was upheld"
    case .active, .disputed: break
    }
    let last = lastDisclosedDay(record, category: category)
    guard today > last else { return nil }
    if last < record.content.disclosureUntil {
      return "trust-breaking information is not supplied more than \(trustBreakingRetentionYears) years after the act ended (after \(last))"
    }
    return "its disclosure period ended on \(last)"
  }

  /// The last day a record in force may be disclosed: its disclosure end or, for a
  /// trust-breaking record whose act ended, the five-year limit, whichever comes first.
  public static func lastDisclosedDay(_ record: CreditRecord, category: Category?) -> LocalDate {
    guard category?.polarity == .trustBreaking, let ended = record.content.actEndedOn else {
      return record.content.disclosureUntil
    }
    // 29 February ends on 28 February; computed without a year bound, so that no stored
    // date can stop a query.
    return min(record.content.disclosureUntil, ended.adding(years: trustBreakingRetentionYears))
  }
}
