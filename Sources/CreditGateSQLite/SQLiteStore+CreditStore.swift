public import CreditGateCore
import GRDB

extension SQLiteStore {
  /// Inserts the subjects, or renames those already registered, in one transaction.
  public func registerSubjects(_ subjects: [Subject]) async throws {
    _ = try await write("register subjects") { db in try Self.apply(.registerSubjects(subjects), db) }
  }

  /// The subject registered with `code`, if any.
  public func subject(code: String) async throws -> Subject? {
    try await read("read a subject") { db in try SubjectRow.fetchOne(db, key: code)?.subject() }
  }

  /// The kinds of the registered codes among `codes`.
  public func subjectKinds(codes: [String]) async throws -> [String: SubjectKind] {
    try await read("read subject kinds") { db in
      var kinds: [String: SubjectKind] = [:]
      let statement = try db.cachedStatement(sql: "SELECT kind FROM subject WHERE code = ?")
      for code in codes {
        if let kind = try String.fetchOne(statement, arguments: [code]) {
          kinds[code] = try SubjectRow.kind(kind)
        }
      }
      return kinds
    }
  }

  /// Upserts the records in one transaction and returns each as stored.
  public func submitRecords(_ records: [RecordContent]) async throws -> [CreditRecord] {
    let result = try await write("submit records") { db in try Self.apply(.submitRecords(records), db) }
    guard case .records(let stored) = result else { return [] }
    return stored
  }

  /// Every record of the subject, by decision date then id.
  public func records(subjectCode: String) async throws -> [CreditRecord] {
    try await read("read a subject's records") { db in
      try RecordRow.filter(RecordRow.Columns.subjectCode == subjectCode)
        .order(RecordRow.Columns.decidedOn, RecordRow.Columns.id)
        .fetchAll(db).map { try $0.record() }
    }
  }

  /// The record with the gateway id `id`, if any.
  public func record(id: String) async throws -> CreditRecord? {
    try await read("read a record") { db in try RecordRow.fetchOne(db, key: id)?.record() }
  }

  /// The codes of subjects with a record of one of `categories`, in code order, after `after`.
  public func subjectCodes(withRecordsIn categories: [String], after: String, limit: Int) async throws -> [String] {
    guard !categories.isEmpty, limit > 0 else { return [] }
    return try await read("read the subjects of a list") { db in
      let marks = Array(repeating: "?", count: categories.count).joined(separator: ", ")
      return try String.fetchAll(
        db,
        sql: "SELECT DISTINCT subject_code FROM record WHERE category IN (\(marks)) AND subject_code > ? ORDER BY subject_code LIMIT ?",
        arguments: StatementArguments(categories + [after]) + [limit])
    }
  }

  /// The number of registered subjects.
  public func subjectCount() async throws -> Int {
    try await read("count subjects") { db in try SubjectRow.fetchCount(db) }
  }
}
