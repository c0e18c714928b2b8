@testable import CreditGateCore
import Foundation
import Testing

/// One row of the scope table: a query and the reason each category of the catalogue is
/// withheld for (absent: covered).
struct ScopeRow: Sendable, CustomTestStringConvertible {
  var label: String
  var purpose: String
  var requested: [String] = []
  var consent: [String]? = nil
  var institution: Set<String>? = nil
  var covered: [String]
  /// Reasons other than "outside the purpose", by category.
  var reasons: [String: QueryScope.Reason] = [:]
  var testDescription: String { label }
}

@Suite("QueryScope")
struct QueryScopeTests {
  static let rows: [ScopeRow] = [
    ScopeRow(
      label: "civil-servant-recruitment sees exactly its four categories", purpose: "civil-servant-recruitment",
      covered: ["dishonest-judgment-debtor", "serious-tax-violation", "exam-cheating", "fraud"]),
    ScopeRow(
      label: "narrowed to one category; the rest of the purpose is narrowed by the caller",
      purpose: "civil-servant-recruitment", requested: ["fraud", "loan-default", "honour"], covered: ["fraud"],
      reasons: [
        "dishonest-judgment-debtor": .narrowedByCaller, "serious-tax-violation": .narrowedByCaller,
        "exam-cheating": .narrowedByCaller,
      ]),
    ScopeRow(
      label: "a category requested twice is covered once", purpose: "civil-servant-recruitment",
      requested: ["fraud", "fraud"], covered: ["fraud"],
      reasons: [
        "dishonest-judgment-debtor": .narrowedByCaller, "serious-tax-violation": .narrowedByCaller,
        "exam-cheating": .narrowedByCaller,
      ]),
    ScopeRow(
      label: "the institution's categories narrow the purpose's", purpose: "civil-servant-recruitment",
      institution: ["exam-cheating", "dishonest-judgment-debtor", "loan-default"],
      covered: ["dishonest-judgment-debtor", "exam-cheating"],
      reasons: ["serious-tax-violation": .outsideInstitution, "fraud": .outsideInstitution]),
    ScopeRow(
      label: "a consent for loan-default only", purpose: "commercial-loan", consent: ["loan-default"],
      covered: ["loan-default"],
      reasons: [
        "dishonest-judgment-debtor": .outsideConsent, "tax-arrears": .outsideConsent, "fraud": .outsideConsent,
        "housing-fund-default": .outsideConsent,
      ]),
    ScopeRow(
      label: "a consent's categories outside the purpose do not widen it", purpose: "commercial-loan",
      consent: ["loan-default", "honour", "exam-cheating"], covered: ["loan-default"],
      reasons: [
        "dishonest-judgment-debtor": .outsideConsent, "tax-arrears": .outsideConsent, "fraud": .outsideConsent,
        "housing-fund-default": .outsideConsent,
      ]),
    ScopeRow(
      label: "with a narrowing, the consent does not narrow: ConsentRules checks it covers the request",
      purpose: "commercial-loan", requested: ["tax-arrears"], consent: ["loan-default"], covered: ["tax-arrears"],
      reasons: [
        "dishonest-judgment-debtor": .narrowedByCaller, "loan-default": .narrowedByCaller,
        "fraud": .narrowedByCaller, "housing-fund-default": .narrowedByCaller,
      ]),
    ScopeRow(
      label: "outside the institution comes before outside the consent", purpose: "commercial-loan",
      consent: ["loan-default"], institution: ["loan-default", "fraud"], covered: ["loan-default"],
      reasons: [
        "dishonest-judgment-debtor": .outsideInstitution, "tax-arrears": .outsideInstitution,
        "housing-fund-default": .outsideInstitution, "fraud": .outsideConsent,
      ]),
  ]

  @Test("covered and withheld, with the first reason that holds", arguments: rows)
  func scope(_ row: ScopeRow) throws {
    let lists = try TestSupport.shippedLists()
    let purpose = try #require(lists.purpose(row.purpose))
    let scope = try RulesFixture.scope(
      purpose, requested: row.requested, consent: row.consent, institution: row.institution, lists: lists)
    #expect(scope.covered == row.covered)
    // Every catalogue category is either covered or withheld, once, in catalogue order.
    let all = lists.categories.map(\.code)
    #expect(all.filter { !row.covered.contains($0) } == scope.withheld.map(\.category))
    for item in scope.withheld {
      #expect(item.reason == row.reasons[item.category] ?? .outsidePurpose(row.purpose), "\(item.category)")
    }
  }

  @Test("an answer about a subject states only the categories of its kind, the same for all of them")
  func applyingToAKind() throws {
    let lists = try TestSupport.shippedLists()
    let purpose = try #require(lists.purpose("admin-licensing"))
    let scope = try RulesFixture.scope(purpose, lists: lists)
    for kind in SubjectKind.allCases {
      let stated = scope.applying(to: kind, lists: lists)
      let expected = lists.categories.filter { $0.subjectKinds.contains(kind) }.map(\.code)
      #expect((stated.covered + stated.withheld.map(\.category)).sorted() == expected.sorted(), "\(kind)")
    }
    let government = scope.applying(to: .government, lists: lists)
    #expect(government.covered.isEmpty)  // admin-licensing's categories are not a government body's
    #expect(government.withheld.map(\.category).contains("commitment-broken"))
    let person = scope.applying(to: .person, lists: lists)
    #expect(person.covered == ["admin-licence", "admin-penalty", "dishonest-judgment-debtor", "tax-arrears", "serious-tax-violation", "honour"])
  }

  @Test("an unknown requested category is INVALID_ARGUMENT naming categories")
  func unknownCategory() throws {
    let lists = try TestSupport.shippedLists()
    let purpose = try #require(lists.purpose("civil-servant-recruitment"))
    let institution = Institution(id: "test", name: "test", roles: [.query], categories: ["fraud"])
    let error = TestSupport.gatewayError {
      _ = try QueryScope(
        requested: ["fraud", "star-sign"], purpose: purpose, institution: institution, lists: lists)
    }
    #expect(error?.code == .invalidArgument)
    #expect(error?.field == "categories")
    #expect(error?.reason.contains("star-sign") == true)
  }
}
