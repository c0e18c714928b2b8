/// The audit logs' storage. A store holds one log per origin (DESIGN §8: with PostgreSQL,
/// several gateway instances share a database, each writing its own log with its own origin and
/// key); each log is numbered from 1 without gaps and has its own checkpoints, and a search can
/// span them all.
///
/// `append` is the durability point of the fail-closed rule: when it returns, the entries, the
/// changes they carry and the batch's checkpoint survive a crash or a power cut (the commit is
/// flushed to disk).
///
/// A backend that cannot be read or written throws `StorageError`; an error thrown by `seal`
/// reaches the caller unchanged.
public protocol AuditLogStore: Sendable {
  /// Commits a batch to the log of `origin` in one transaction: for each item its state change
  /// (if any), then its entry, stamped with `origin` and the log's next sequence number (the
  /// first entry of a log is 1); then the checkpoint `seal` returns for the new tree. An item
  /// whose change throws is rolled back on its own, its entry completed with the failure, and
  /// the rest of the batch goes on. If `seal` or the commit fails, nothing of the batch is
  /// stored.
  func append(_ batch: [AuditAppend], origin: String, seal: @escaping AuditSeal) async throws -> [AuditCommit]
  /// Entries of every log, or of `filter.origin`'s, that match, in the order of
  /// `AuditFilter.precedes`, at most `filter.limit`.
  func search(_ filter: AuditFilter) async throws -> [AuditEntry]
  /// The number of entries in the log of `origin`.
  func size(origin: String) async throws -> UInt64
  /// Entries of the log of `origin` after `sequence`, in sequence order, each with the leaf
  /// hash stored when it was appended: the start-up check compares them with the hashes
  /// recomputed from the content.
  func storedLeaves(origin: String, after sequence: UInt64, limit: Int) async throws -> [StoredLeaf]
  /// The first sequence number of the log of `origin` whose entries carry the link to the
  /// previous entry about their subject (`AuditEntry.previousSubjectSequence`): 1, unless the
  /// log was written before links existed.
  func subjectChainStart(origin: String) async throws -> UInt64
  /// Every checkpoint signed for the log of `origin`, by tree size.
  func checkpoints(origin: String) async throws -> [SignedCheckpoint]
  /// Throws if the log of `origin` cannot be written now (a write that is rolled back): health
  /// asks this while the log is down, so that it answers `SERVING` again as soon as the store
  /// is back.
  func probeWritable(origin: String) async throws
}
