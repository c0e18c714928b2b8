public import CreditGateCore
import GRDB

extension SQLiteStore {
  /// Every case, or those with `status`, in filing order.
  public func cases(status: CaseStatus?) async throws -> [CreditCase] {
    try await read("read cases") { db in
      var request = CaseRow.all()
      if let status { request = request.filter(CaseRow.Columns.status == status.rawValue) }
      return try request.order(CaseRow.Columns.filedAtUS, CaseRow.Columns.id).fetchAll(db).map { try $0.creditCase() }
    }
  }

  /// The subject's cases, in filing order.
  public func cases(subjectCode: String) async throws -> [CreditCase] {
    try await read("read a subject's cases") { db in
      try CaseRow.filter(CaseRow.Columns.subjectCode == subjectCode)
        .order(CaseRow.Columns.filedAtUS, CaseRow.Columns.id).fetchAll(db).map { try $0.creditCase() }
    }
  }

  /// Every suspension, in the order made.
  public func suspensions() async throws -> [Suspension] {
    try await read("read suspensions") { db in
      try SuspensionRow.order(SuspensionRow.Columns.sinceUS, SuspensionRow.Columns.id).fetchAll(db).map { try $0.suspension() }
    }
  }

  /// The case with `id`, if any.
  public func creditCase(id: String) async throws -> CreditCase? {
    try await read("read a case") { db in try CaseRow.fetchOne(db, key: id)?.creditCase() }
  }
}
