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
/// returns, the entries survive a crash.
public protocol AuditLogStore: Sendable {
  /// Appends entries in order with consecutive sequence numbers (the first entry of a log is 1),
  /// durably, in one commit. Returns the entries with their sequence numbers.
  func append(_ entries: [AuditEntry]) async throws -> [AuditEntry]
  /// Entries that match, in sequence order, at most `filter.limit`.
  func search(_ filter: AuditFilter) async throws -> [AuditEntry]
  /// The number of entries in the log.
  func size() async throws -> UInt64
  /// The leaf hash of every entry, in sequence order, as recorded when it was appended. The
  /// default recomputes them from the entries; a backend that stores them returns the stored
  /// ones, so that an entry altered afterwards no longer matches its hash.
  func leafHashes() async throws -> [[UInt8]]
}

extension AuditLogStore {
  public func leafHashes() async throws -> [[UInt8]] {
    var hashes: [[UInt8]] = []
    var after: UInt64 = 0
    while true {
      let page = try await search(AuditFilter(afterSequence: after, limit: 10_000))
      guard let last = page.last else { return hashes }
      hashes += page.map(\.leafHash)
      after = last.sequence
    }
  }
}
