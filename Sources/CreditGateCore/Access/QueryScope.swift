/// What one answer covers (DESIGN §4, §7): the categories the purpose, the institution, the
/// consent and the caller's narrowing all allow — and, for every other category of the
/// catalogue, why it was withheld. It depends on the query alone, never on the records a
/// subject has, so that stating it in the answer leaks nothing and shows what was left out.
public struct QueryScope: Sendable, Hashable {
  /// Why a category is not part of an answer. When several hold, the first in this order is
  /// given.
  public enum Reason: Sendable, Hashable, CustomStringConvertible {
    /// Not on the application list's entry for the purpose (named).
    case outsidePurpose(String)
    /// Not among the categories the institution may see.
    case outsideInstitution
    /// Inside the purpose, but the subject's consent does not cover it.
    case outsideConsent
    /// The caller asked for fewer categories.
    case narrowedByCaller

    public var description: String {
      switch self {
      case .outsidePurpose(let purpose): "outside the purpose \(purpose)"
      case .outsideInstitution: "outside the institution's categories"
      case .outsideConsent: "outside the consent"
      case .narrowedByCaller: "narrowed by the caller"
      }
    }
  }

  /// A category left out of the answer, and why.
  public struct Withheld: Sendable, Hashable {
    public var category: String
    public var reason: Reason
  }

  /// A category of the catalogue and the reason it is withheld (nil: covered).
  private struct Entry: Sendable, Hashable {
    var code: String
    var reason: Reason?
  }

  /// Every category of the catalogue, in its order: `covered` and `withheld` are read from it.
  private var categories: [Entry]

  /// The categories the answer covers, in catalogue order, whether or not they hold records.
  public var covered: [String] { categories.filter { $0.reason == nil }.map(\.code) }
  /// Every other category of the catalogue, in catalogue order.
  public var withheld: [Withheld] {
    categories.compactMap { category in category.reason.map { Withheld(category: category.code, reason: $0) } }
  }

  /// The scope of a query for `purpose` by `institution`, narrowed to `requested` unless that
  /// is empty. A consent-based query then narrows it to the consent (`narrowed(toConsent:)`)
  /// when the caller asked for no categories; when it did, the consent must cover them, which
  /// `ConsentRules` checks against `covered`.
  public init(
    requested: [String], purpose: Purpose, institution: Institution, lists: PublishedLists
  ) throws(GatewayError) {
    for code in requested where lists.category(code) == nil {
      throw .invalid("categories", "\"\(code)\" is not in the catalogue")
    }
    let purposeCategories = Set(purpose.categories)
    let asked = Set(requested)
    categories = lists.categories.map { category in
      let code = category.code
      let reason: Reason? =
        if !purposeCategories.contains(code) {
          .outsidePurpose(purpose.code)
        } else if !institution.categories.contains(code) {
          .outsideInstitution
        } else if !asked.isEmpty, !asked.contains(code) {
          .narrowedByCaller
        } else {
          nil
        }
      return Entry(code: code, reason: reason)
    }
  }

  /// The scope without the covered categories a consent for `consented` does not cover: they
  /// are withheld, `outsideConsent`. For a query that asked for no categories.
  public func narrowed(toConsent consented: [String]) -> QueryScope {
    let consent = Set(consented)
    var scope = self
    scope.categories = categories.map { category in
      category.reason == nil && !consent.contains(category.code)
        ? Entry(code: category.code, reason: .outsideConsent) : category
    }
    return scope
  }

  /// The scope as an answer about a subject of `kind` states it: only the categories that
  /// apply to that kind, the same for every subject of it.
  public func applying(to kind: SubjectKind, lists: PublishedLists) -> QueryScope {
    var scope = self
    scope.categories.removeAll { lists.category($0.code)?.subjectKinds.contains(kind) != true }
    return scope
  }
}
