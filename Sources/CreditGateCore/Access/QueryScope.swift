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

  /// The categories the answer covers, in catalogue order, whether or not they hold records.
  public private(set) var covered: [String]
  /// Every other category of the catalogue, in catalogue order.
  public private(set) var withheld: [Withheld]

  /// The scope of a query for `purpose` by `institution`, narrowed to `requested` unless that
  /// is empty. `consentCategories` are the categories of the consent the query names (nil for
  /// a statutory purpose, or when there is no such consent): without a narrowing they narrow
  /// the answer; with one, the consent must cover what was asked for, which `ConsentRules`
  /// checks against `covered`.
  public init(
    requested: [String], purpose: Purpose, institution: Institution, consentCategories: [String]?,
    lists: PublishedLists
  ) throws(GatewayError) {
    for code in requested where lists.category(code) == nil {
      throw .invalid("categories", "\"\(code)\" is not in the catalogue")
    }
    let purposeCategories = Set(purpose.categories)
    let asked = Set(requested)
    let consent = requested.isEmpty ? consentCategories.map(Set.init) : nil
    covered = []
    withheld = []
    for category in lists.categories.map(\.code) {
      let reason: Reason? =
        if !purposeCategories.contains(category) {
          .outsidePurpose(purpose.code)
        } else if !institution.categories.contains(category) {
          .outsideInstitution
        } else if let consent, !consent.contains(category) {
          .outsideConsent
        } else if !asked.isEmpty, !asked.contains(category) {
          .narrowedByCaller
        } else {
          nil
        }
      if let reason {
        withheld.append(Withheld(category: category, reason: reason))
      } else {
        covered.append(category)
      }
    }
  }

  /// The scope as an answer about a subject of `kind` states it: only the categories that
  /// apply to that kind, the same for every subject of it.
  public func applying(to kind: SubjectKind, lists: PublishedLists) -> QueryScope {
    func applies(_ code: String) -> Bool { lists.category(code)?.subjectKinds.contains(kind) == true }
    var scope = self
    scope.covered.removeAll { !applies($0) }
    scope.withheld.removeAll { !applies($0.category) }
    return scope
  }
}
