/// The access rules that do not depend on stored data: which role opens which service, and
/// which purposes and categories an institution may use. Pure and table-tested.
public struct AccessPolicy: Sendable {
  public let lists: PublishedLists

  /// Creates the policy over the published lists, against which purposes are resolved.
  public init(lists: PublishedLists) {
    self.lists = lists
  }

  /// The role that opens a service's methods. `GetPublishedLists` is open to everyone and is
  /// not checked here.
  public static func roles(for service: GatewayService, method: String) -> Set<Role> {
    switch service {
    case .creditQuery: return [.query]
    case .creditRecords: return [.provider]
    case .consents: return [.portal, .query]
    case .subjectRights: return [.portal]
    case .oversight:
      switch method {
      case "DecideCase", "GetCase", "SuspendInstitution", "LiftSuspension": return [.creditAdmin]
      case "ListCases", "ListSuspensions": return [.privacyOffice, .creditAdmin]
      default: return [.privacyOffice]
      }
    }
  }

  /// Whether a call must name the operator behind it (`x-operator-id`): every query, and every
  /// call of the portal about a person (SubjectRights, Consents) — the portal's id for the
  /// verified person's session — so that each is traceable to a session, not only to the portal.
  public static func requiresOperator(_ institution: Institution, service: GatewayService) -> Bool {
    switch service {
    case .creditQuery: return true
    case .subjectRights, .consents: return institution.roles.contains(.portal)
    case .creditRecords, .oversight: return false
    }
  }

  /// Refuses a caller whose roles do not open the method.
  public func authorize(
    _ institution: Institution, service: GatewayService, method: String
  ) throws(GatewayError) {
    if service == .oversight, method == "GetPublishedLists" { return }
    let needed = Self.roles(for: service, method: method)
    guard !institution.roles.isDisjoint(with: needed) else {
      let names = needed.map(\.rawValue).sorted().joined(separator: " or ")
      throw .denied("\(service.rawValue).\(method) requires the role \(names)")
    }
  }

  /// Resolves the purpose of a query and checks that the institution may use it.
  public func purpose(_ code: String, for institution: Institution) throws(GatewayError) -> Purpose {
    guard !code.isEmpty else { throw .invalid("purpose", "is required") }
    guard let purpose = lists.purpose(code) else {
      throw .invalid("purpose", "\"\(code)\" is not on the published application list")
    }
    guard institution.purposes.contains(code) else {
      throw .denied("institution may not query for purpose \"\(code)\"", field: "purpose")
    }
    return purpose
  }
}
