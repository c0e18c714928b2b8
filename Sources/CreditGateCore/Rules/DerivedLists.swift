/// The two lists derived from records (DESIGN §5); never edited by hand.
public enum CreditList: String, Sendable, Hashable, CaseIterable, Codable {
  /// 严重失信主体名单: a disclosable serious record of a listed category.
  case seriousDishonesty = "serious-dishonesty"
  /// 红名单: an honour on record and no disclosable trust-breaking record decided in three years.
  case red
}

/// A subject's place on a derived list, with the records that put it there.
public struct ListMembership: Sendable, Hashable {
  public var list: CreditList
  public var recordIDs: [String]

  /// Creates the membership of `list` that the records `recordIDs` put a subject on.
  public init(list: CreditList, recordIDs: [String]) {
    self.list = list
    self.recordIDs = recordIDs
  }
}

/// Works out which derived lists a subject's records put it on (DESIGN §5).
public enum DerivedLists {
  /// How long a subject must have no trust-breaking record to be on the red list.
  public static let redListCleanYears = 3
  public static let honourCategory = "honour"

  /// The lists `records` put a subject on, on `today`. Only disclosable records count (DESIGN
  /// §5): revoked and repaired records leave the lists at once, and so do records past their
  /// disclosure end or the five-year limit. A disputed record counts until the objection is
  /// upheld (DESIGN §9: flagged, not set aside): an objection is no way off a list.
  public static func memberships(
    records: [CreditRecord], lists: PublishedLists, today: LocalDate
  ) -> [ListMembership] {
    let current = records.filter {
      Disclosure.isDisclosable($0, category: lists.category($0.content.category), today: today)
    }
    var memberships: [ListMembership] = []
    let serious = current.filter { record in
      record.content.severity == .serious && lists.category(record.content.category)?.listed == true
    }
    if !serious.isEmpty {
      memberships.append(ListMembership(list: .seriousDishonesty, recordIDs: serious.map(\.id)))
    }
    let honours = current.filter { $0.content.category == honourCategory }
    let (y, m, d) = today.parts
    let since =
      LocalDate(year: y - redListCleanYears, month: m, day: d)
      ?? LocalDate(year: y - redListCleanYears, month: m, day: d - 1)!
    // What stops being disclosed stops counting (DESIGN §5): a breach past its disclosure end
    // or the five-year limit no longer keeps anyone off the list.
    let recentBreach = current.contains { record in
      lists.category(record.content.category)?.polarity == .trustBreaking && record.content.decidedOn >= since
    }
    if !honours.isEmpty, !recentBreach {
      memberships.append(ListMembership(list: .red, recordIDs: honours.map(\.id)))
    }
    return memberships
  }
}
