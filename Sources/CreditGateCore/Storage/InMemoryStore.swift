public import Foundation
import Synchronization

/// An in-memory `CreditStore`, `ConsentStore` and `AuditLogStore`, for tests and as the
/// reference semantics of every backend.
public final class InMemoryStore: CreditStore, AuditLogStore, ConsentStore {
  private struct State {
    var subjects: [String: Subject] = [:]
    var records: [String: CreditRecord] = [:]
    var consents: [String: Consent] = [:]
    /// Each origin's log, in sequence order.
    var audit: [String: [StoredLeaf]] = [:]
    var checkpoints: [SignedCheckpoint] = []

    mutating func apply(_ change: StateChange) -> StateChangeResult {
      switch change {
      case .registerSubjects(let subjects):
        for subject in subjects {
          // The kind follows from the code; a re-registration updates the name only.
          self.subjects[subject.code, default: subject].name = subject.name
        }
        return .done
      case .submitRecords(let contents):
        return .records(
          contents.map { content in
            let id = content.recordID
            let stored: CreditRecord
            if let existing = records[id] {
              stored =
                existing.content == content
                ? existing
                : CreditRecord(
                  id: id, content: content, status: existing.status, version: existing.version + 1)
            } else {
              stored = CreditRecord(id: id, content: content, status: .active, version: 1)
            }
            records[id] = stored
            return stored
          })
      case .insertConsent(let consent):
        consents[consent.id] = consent
        return .done
      case .revokeConsent(let id, let at):
        guard var consent = consents[id] else { return .consent(nil) }
        if consent.revokedAt == nil {
          consent.revokedAt = at.roundedToMicroseconds
          consents[id] = consent
        }
        return .consent(consent)
      }
    }
  }

  private let state = Mutex(State())

  /// Creates an empty store.
  public init() {}

  /// `CreditStore.registerSubjects`: inserts or renames, all at once.
  public func registerSubjects(_ subjects: [Subject]) async throws {
    _ = state.withLock { $0.apply(.registerSubjects(subjects)) }
  }

  /// `CreditStore.subject(code:)`.
  public func subject(code: String) async throws -> Subject? {
    state.withLock { $0.subjects[code] }
  }

  /// `CreditStore.subjectKinds(codes:)`.
  public func subjectKinds(codes: [String]) async throws -> [String: SubjectKind] {
    state.withLock { state in
      var kinds: [String: SubjectKind] = [:]
      for code in codes { kinds[code] = state.subjects[code]?.kind }
      return kinds
    }
  }

  /// `CreditStore.submitRecords`: upserts by provider and provider record id.
  public func submitRecords(_ records: [RecordContent]) async throws -> [CreditRecord] {
    guard case .records(let stored) = state.withLock({ $0.apply(.submitRecords(records)) }) else { return [] }
    return stored
  }

  /// `CreditStore.records(subjectCode:)`: by decision date, then id.
  public func records(subjectCode: String) async throws -> [CreditRecord] {
    state.withLock { state in
      state.records.values.filter { $0.content.subjectCode == subjectCode }
        .sorted { ($0.content.decidedOn, $0.id) < ($1.content.decidedOn, $1.id) }
    }
  }

  /// `CreditStore.record(id:)`.
  public func record(id: String) async throws -> CreditRecord? {
    state.withLock { $0.records[id] }
  }

  /// `CreditStore.subjectCount()`.
  public func subjectCount() async throws -> Int {
    state.withLock { $0.subjects.count }
  }

  /// Appends to the log of `origin`; a batch whose seal throws leaves no trace.
  public func append(_ batch: [AuditAppend], origin: String, seal: @escaping AuditSeal) async throws -> [AuditCommit] {
    try state.withLock { state in
      // Only the seal can fail (applying a change in memory cannot); keep what it would undo.
      let before = batch.contains { $0.change != nil } ? state : nil
      let logSize = state.audit[origin]?.count ?? 0
      var commits: [AuditCommit] = []
      for item in batch {
        var entry = item.entry
        let change = item.change.map { Result<StateChangeResult, any Error>.success(state.apply($0)) }
        if let change, let complete = item.complete { complete(change, &entry) }
        entry.origin = origin
        entry.sequence = UInt64(logSize + commits.count + 1)
        commits.append(AuditCommit(entry: entry, change: change))
      }
      let leaves = commits.map { StoredLeaf(entry: $0.entry, leafHash: $0.entry.leafHash) }
      do {
        if let checkpoint = try seal(leaves) { state.checkpoints.append(checkpoint) }
      } catch {
        if let before { state = before }
        throw error
      }
      state.audit[origin, default: []] += leaves
      return commits
    }
  }

  /// Searches one log, or merges the matches of every log in the search order.
  public func search(_ filter: AuditFilter) async throws -> [AuditEntry] {
    state.withLock { state in
      let logs = filter.origin.map { [state.audit[$0] ?? []] } ?? Array(state.audit.values)
      guard logs.count > 1 else {
        return Array((logs.first ?? []).lazy.map(\.entry).filter(filter.matches).prefix(filter.limit))
      }
      let matching = logs.flatMap { $0.lazy.map(\.entry).filter(filter.matches).prefix(filter.limit) }
      return Array(matching.sorted(by: AuditFilter.precedes).prefix(filter.limit))
    }
  }

  /// The number of entries in the log of `origin`.
  public func size(origin: String) async throws -> UInt64 {
    state.withLock { UInt64($0.audit[origin]?.count ?? 0) }
  }

  /// The log's entries from position `sequence` on (a tampered log keeps the positions it has).
  public func storedLeaves(origin: String, after sequence: UInt64, limit: Int) async throws -> [StoredLeaf] {
    state.withLock { state in
      let log = state.audit[origin] ?? []
      let start = Int(clamping: min(sequence, UInt64(log.count)))
      return Array(log[start...].prefix(limit))
    }
  }

  /// The checkpoints kept for the log of `origin`, by tree size (the order they were stored in).
  public func checkpoints(origin: String) async throws -> [SignedCheckpoint] {
    state.withLock { $0.checkpoints.filter { $0.checkpoint.origin == origin } }
  }

  /// Memory can always be written.
  public func probeWritable(origin: String) async throws {}

  /// Replaces the stored entries of the log of `origin`, as someone with access to the
  /// database could: for tests of the start-up check. `body` gets the entries with their
  /// stored leaf hashes.
  public func tamper(origin: String, _ body: (inout [StoredLeaf]) -> Void) {
    state.withLock { body(&$0.audit[origin, default: []]) }
  }

  // MARK: - Consents

  /// `ConsentStore.insertConsent`.
  public func insertConsent(_ consent: Consent) async throws {
    _ = state.withLock { $0.apply(.insertConsent(consent)) }
  }

  /// `ConsentStore.consent(id:)`.
  public func consent(id: String) async throws -> Consent? {
    state.withLock { $0.consents[id] }
  }

  /// `ConsentStore.consents(subjectCode:)`: newest first.
  public func consents(subjectCode: String) async throws -> [Consent] {
    state.withLock { state in
      state.consents.values.filter { $0.subjectCode == subjectCode }
        .sorted { ($0.validFrom, $0.id) > ($1.validFrom, $1.id) }
    }
  }

  /// `ConsentStore.revokeConsent`: the first revocation time is kept.
  public func revokeConsent(id: String, at: Date) async throws -> Consent? {
    guard case .consent(let consent) = state.withLock({ $0.apply(.revokeConsent(id: id, at: at)) }) else {
      return nil
    }
    return consent
  }

  /// `ConsentStore.useConsent`: checked and counted under the one lock.
  public func useConsent(
    id: String, now: @Sendable () -> Date, check: @Sendable (Consent?, Date) -> ConsentRules.Refusal?
  ) async throws -> ConsentRules.Refusal? {
    state.withLock { state in
      if let refusal = check(state.consents[id], now()) { return refusal }
      state.consents[id]?.uses += 1
      return nil
    }
  }
}
