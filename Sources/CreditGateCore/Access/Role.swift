/// A role an institution holds; each role opens one service (DESIGN §3).
public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
  case query
  case provider
  case portal
  case privacyOffice = "privacy-office"
  case creditAdmin = "credit-admin"
}

/// The gateway's services, as access control sees them.
public enum GatewayService: String, Sendable, Hashable, CaseIterable {
  case creditQuery = "CreditQuery"
  case creditRecords = "CreditRecords"
  case consents = "Consents"
  case subjectRights = "SubjectRights"
  case oversight = "Oversight"
}
