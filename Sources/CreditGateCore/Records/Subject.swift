/// A registered subject: a person, an organisation or a government body.
public struct Subject: Sendable, Hashable {
  public var code: String
  public var kind: SubjectKind
  public var name: String

  /// Creates a registered subject.
  public init(code: String, kind: SubjectKind, name: String) {
    self.code = code
    self.kind = kind
    self.name = name
  }
}
