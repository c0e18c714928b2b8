@testable import CreditGateCore
import Foundation
import Testing

/// A method of a service and the roles that DESIGN §3 says open it.
struct MethodRule: Sendable, CustomTestStringConvertible {
  var service: GatewayService
  var method: String
  var roles: Set<Role>
  var testDescription: String { "\(service.rawValue).\(method)" }
}

@Suite("AccessPolicy")
struct AccessPolicyTests {
  /// DESIGN §3: one representative method per service, and every Oversight method whose rule
  /// differs from the service's.
  static let rules: [MethodRule] = [
    .init(service: .creditQuery, method: "GetProfile", roles: [.query]),
    .init(service: .creditQuery, method: "VerifyIdentity", roles: [.query]),
    .init(service: .creditRecords, method: "SubmitRecords", roles: [.provider]),
    .init(service: .consents, method: "GrantConsent", roles: [.portal, .query]),
    .init(service: .subjectRights, method: "GetOwnReport", roles: [.portal]),
    .init(service: .oversight, method: "SearchAuditLog", roles: [.privacyOffice]),
    .init(service: .oversight, method: "GetCheckpoint", roles: [.privacyOffice]),
    .init(service: .oversight, method: "ListAnomalies", roles: [.privacyOffice]),
    .init(service: .oversight, method: "ListCases", roles: [.privacyOffice, .creditAdmin]),
    .init(service: .oversight, method: "DecideCase", roles: [.creditAdmin]),
    .init(service: .oversight, method: "SuspendInstitution", roles: [.creditAdmin]),
    .init(service: .oversight, method: "LiftSuspension", roles: [.creditAdmin]),
  ]

  let policy: AccessPolicy
  let lists: PublishedLists

  init() throws {
    lists = try TestSupport.shippedLists()
    policy = AccessPolicy(lists: lists)
  }

  private func institution(
    roles: Set<Role>, purposes: Set<String> = [], categories: Set<String>? = nil
  ) -> Institution {
    Institution(
      id: "test-institution", name: "测试机构", roles: roles, purposes: purposes,
      categories: categories ?? Set(lists.categories.map(\.code)))
  }

  // MARK: Roles

  @Test("each method is opened by exactly the roles of DESIGN §3", arguments: rules)
  func rolesForMethod(_ rule: MethodRule) {
    #expect(AccessPolicy.roles(for: rule.service, method: rule.method) == rule.roles)
  }

  @Test("every role against every method", arguments: Role.allCases, rules)
  func authorize(_ role: Role, _ rule: MethodRule) {
    let caller = institution(roles: [role])
    if rule.roles.contains(role) {
      #expect(throws: Never.self) {
        try policy.authorize(caller, service: rule.service, method: rule.method)
      }
    } else {
      let error = TestSupport.gatewayError {
        try policy.authorize(caller, service: rule.service, method: rule.method)
      }
      #expect(error?.code == .permissionDenied)
      // The reason tells the caller which role it lacks.
      for needed in rule.roles {
        #expect(error?.reason.contains(needed.rawValue) == true)
      }
    }
  }

  @Test("an institution holding several roles gets every service they open")
  func severalRoles() {
    let caller = institution(roles: [.query, .provider])
    for rule in Self.rules {
      let allowed: Bool
      do {
        try policy.authorize(caller, service: rule.service, method: rule.method)
        allowed = true
      } catch {
        allowed = false
      }
      #expect(allowed == !rule.roles.isDisjoint(with: caller.roles), "\(rule.testDescription)")
    }
  }

  @Test("an institution without roles is refused everything but the published lists")
  func noRoles() {
    let caller = institution(roles: [])
    for rule in Self.rules {
      let error = TestSupport.gatewayError {
        try policy.authorize(caller, service: rule.service, method: rule.method)
      }
      #expect(error?.code == .permissionDenied, "\(rule.testDescription)")
    }
  }

  @Test(
    "GetPublishedLists is open to every institution",
    arguments: Role.allCases.map { Set([$0]) } + [Set<Role>()])
  func publishedListsOpen(_ roles: Set<Role>) {
    #expect(throws: Never.self) {
      try policy.authorize(institution(roles: roles), service: .oversight, method: "GetPublishedLists")
    }
  }

  // MARK: Purposes

  @Test("purpose: empty, unknown and not allowed are refused; an allowed one resolves")
  func purpose() throws {
    let caller = institution(roles: [.query], purposes: ["civil-servant-recruitment"])

    let empty = TestSupport.gatewayError { _ = try policy.purpose("", for: caller) }
    #expect(empty?.code == .invalidArgument)
    #expect(empty?.field == "purpose")

    let unknown = TestSupport.gatewayError { _ = try policy.purpose("horoscope", for: caller) }
    #expect(unknown?.code == .invalidArgument)
    #expect(unknown?.field == "purpose")

    let notAllowed = TestSupport.gatewayError { _ = try policy.purpose("commercial-loan", for: caller) }
    #expect(notAllowed?.code == .permissionDenied)
    #expect(notAllowed?.field == "purpose")

    let allowed = try policy.purpose("civil-servant-recruitment", for: caller)
    #expect(allowed.code == "civil-servant-recruitment")
    #expect(allowed.kind == .statutory)
  }
}
