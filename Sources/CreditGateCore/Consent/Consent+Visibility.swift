extension Consent {
  /// Whether `institution` may see and revoke this consent (DESIGN §7): the portal, acting for
  /// the person, sees every consent; a grantee only those given to it. To any other
  /// institution the consent does not exist.
  public func isVisible(to institution: Institution) -> Bool {
    institution.roles.contains(.portal) || granteeID == institution.id
  }

  /// The consent a revocation by `institution` names, given what is stored under its id: one
  /// the institution may not see is refused exactly as one that does not exist, so that no
  /// caller learns of consents given to others.
  public static func revocable(_ stored: Consent?, by institution: Institution) throws(GatewayError) -> Consent {
    guard let stored, stored.isVisible(to: institution) else {
      throw GatewayError(.notFound, field: "consent_id", "no such consent")
    }
    return stored
  }
}
