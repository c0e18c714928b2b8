import CreditGateCore
import GRDB

/// A row of `subject`: a registered person, organisation or government body.
struct SubjectRow: Codable, FetchableRecord, PersistableRecord {
  static let databaseTableName = "subject"

  var code: String
  /// `SubjectKind`'s raw value.
  var kind: String
  var name: String

  init(_ subject: Subject) {
    code = subject.code
    kind = subject.kind.rawValue
    name = subject.name
  }

  /// The subject this row stores.
  func subject() throws(StoredValueError) -> Subject {
    Subject(code: code, kind: try Self.kind(kind), name: name)
  }

  /// Reads a stored kind, refusing one this version does not know.
  static func kind(_ raw: String) throws(StoredValueError) -> SubjectKind {
    try StoredValueError.decode(SubjectKind.self, raw, field: "subject.kind")
  }

  /// Inserts the subject, or updates the name of the one registered with its code: the kind
  /// follows from the code and is kept.
  func register(_ db: Database) throws {
    try db.cachedStatement(
      sql: """
        INSERT INTO subject (code, kind, name) VALUES (?, ?, ?)
        ON CONFLICT(code) DO UPDATE SET name = excluded.name
        """
    ).execute(arguments: [code, kind, name])
  }
}
