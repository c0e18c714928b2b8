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
  /// Counts, for readiness and the demo data check.
  func subjectCount() async throws -> Int
}

/// The audit log's storage. `append` is the durability point of the fail-closed rule: when it
/// returns, the entries, the changes they carry and the batch's checkpoint survive a crash or a
/// power cut (the commit is flushed to disk).
public protocol AuditLogStore: Sendable {
  /// Commits a batch in one transaction: for each item its state change (if any), then its
  /// entry, with consecutive sequence numbers (the first entry of a log is 1); then the
  /// checkpoint `seal` returns for the new tree. An item whose change throws is rolled back on
  /// its own, its entry completed with the failure, and the rest of the batch goes on. If
  /// `seal` or the commit fails, nothing of the batch is stored.
  func append(_ batch: [AuditAppend], seal: @escaping AuditSeal) async throws -> [AuditCommit]
  /// Entries that match, in sequence order, at most `filter.limit`.
  func search(_ filter: AuditFilter) async throws -> [AuditEntry]
  /// The number of entries in the log.
  func size() async throws -> UInt64
  /// Entries after `sequence`, in sequence order, each with the leaf hash stored when it was
  /// appended: the start-up check compares them with the hashes recomputed from the content.
  func storedLeaves(after sequence: UInt64, limit: Int) async throws -> [StoredLeaf]
  /// Every checkpoint signed for the log of `origin`, by tree size.
  func checkpoints(origin: String) async throws -> [SignedCheckpoint]
  /// Throws if the log cannot be written now (a write that is rolled back): health asks this
  /// while the log is down, so that it answers `SERVING` again as soon as the store is back.
  func probeWritable() async throws
}

/// An entry as stored, with the leaf hash recorded when it was appended.
public struct StoredLeaf: Sendable, Hashable {
  public var entry: AuditEntry
  public var leafHash: [UInt8]

  public init(entry: AuditEntry, leafHash: [UInt8]) {
    self.entry = entry
    self.leafHash = leafHash
  }
}
