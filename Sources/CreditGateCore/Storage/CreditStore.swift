/// Subjects and their records. Every backend runs the same conformance suite.
public protocol CreditStore: Sendable {
  /// Inserts the subjects, or updates their names if they exist, in one transaction.
  func registerSubjects(_ subjects: [Subject]) async throws
  func subject(code: String) async throws -> Subject?
  /// The kinds of the given codes that are registered; unknown codes are absent.
  func subjectKinds(codes: [String]) async throws -> [String: SubjectKind]
  /// Upserts records by (provider, provider record id) in one transaction, returning each as
  /// stored. Resubmitting identical content changes nothing; changed content raises the version.
  func submitRecords(_ records: [RecordContent]) async throws -> [CreditRecord]
  /// Every stored record of a subject, in any status, ordered by decision date then id.
  func records(subjectCode: String) async throws -> [CreditRecord]
  func record(id: String) async throws -> CreditRecord?
  /// The codes of the subjects with a record of one of `categories`, in code order, after
  /// `after` (the public disclosure pages through them), at most `limit`.
  func subjectCodes(withRecordsIn categories: [String], after: String, limit: Int) async throws -> [String]
  /// Counts, for readiness and the demo data check.
  func subjectCount() async throws -> Int
}
