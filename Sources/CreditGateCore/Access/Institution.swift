/// An institution that may call the gateway, as the configuration describes it. Its client
/// certificate's common name is its `id`.
public struct Institution: Sendable, Hashable, Identifiable {
  public var id: String
  public var name: String
  public var roles: Set<Role>
  /// Purposes it may query for (role `query`).
  public var purposes: Set<String>
  /// Catalogue categories it may see (role `query`) or provide (role `provider`).
  public var categories: Set<String>
  /// Subject kinds it may register (role `provider`).
  public var registers: Set<SubjectKind>
  /// Whether its queries rest on a legal basis (government) or need consent (commercial).
  public var queryKind: PurposeKind
  public var quotaPerMinute: Int

  /// Creates an institution. By default it has no purposes, categories or subject kinds to
  /// register, its queries are statutory, and its quota is 600 queries a minute.
  public init(
    id: String, name: String, roles: Set<Role>, purposes: Set<String> = [],
    categories: Set<String> = [], registers: Set<SubjectKind> = [],
    queryKind: PurposeKind = .statutory, quotaPerMinute: Int = 600
  ) {
    self.id = id
    self.name = name
    self.roles = roles
    self.purposes = purposes
    self.categories = categories
    self.registers = registers
    self.queryKind = queryKind
    self.quotaPerMinute = quotaPerMinute
  }
}
