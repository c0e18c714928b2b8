/// Whether a purpose rests on a legal basis alone or needs the subject's consent.
public enum PurposeKind: String, Sendable, Hashable, Codable, CaseIterable {
  case statutory
  case consent
}

/// One entry of the application list (应用清单): why a query may be made and what it may see.
public struct Purpose: Sendable, Hashable, Codable, Identifiable {
  public var code: String
  public var name: String
  public var kind: PurposeKind
  public var legalBasis: String
  /// The catalogue categories the purpose may see (minimum necessary).
  public var categories: [String]
  /// Whether the evaluation grade is part of the answer.
  public var showsGrade: Bool

  public var id: String { code }

  /// Creates an application-list entry; `categories` are catalogue codes.
  public init(
    code: String, name: String, kind: PurposeKind, legalBasis: String, categories: [String],
    showsGrade: Bool
  ) {
    self.code = code
    self.name = name
    self.kind = kind
    self.legalBasis = legalBasis
    self.categories = categories
    self.showsGrade = showsGrade
  }

  enum CodingKeys: String, CodingKey {
    case code, name, kind, categories
    case legalBasis = "legal_basis"
    case showsGrade = "shows_grade"
  }
}
