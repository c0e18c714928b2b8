public import Foundation
import Synchronization

/// An in-memory `CreditStore`, `ConsentStore` and `AuditLogStore`, for tests and as the
/// reference semantics of every backend.
public final class InMemoryStore: CreditStore, AuditLogStore, ConsentStore, CaseStore, SuspensionStore {
  private struct State {
    var subjects: [String: Subject] = [:]
    var records: [String: CreditRecord] = [:]
    var consents: [String: Consent] = [:]
    /// Cases in filing order.
    var cases: [CreditCase] = []
    /// Suspensions in the order made.
    var suspensions: [Suspension] = []
    /// Each origin's log, in sequence order.
    var audit: [String: [StoredLeaf]] = [:]
    /// Each origin's last entry about each subject pseudonym.
    var lastAboutSubject: [String: [String: UInt64]] = [:]
    var checkpoints: [SignedCheckpoint] = []

    /// Applies a change whose audit entry will be `sequence` in the log of `origin`. Every
    /// check comes before the first write, so a change that throws leaves nothing behind.
    mutating func apply(_ change: StateChange, sequence: UInt64 = 0, origin: String = "") throws -> StateChangeResult {
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
            let stored =
              records[id]?.resubmitted(content) ?? CreditRecord(id: id, content: content, status: .active, version: 1)
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
      case .fileCase(let filing):
        let (filed, status) = try filing.apply(
          record: records[filing.recordID], cases: cases.filter { $0.recordID == filing.recordID },
          cited: filing.groundRecordIDs.map { records[$0] }, sequence: sequence, origin: origin)
        cases.append(filed)
        records[filed.recordID]?.status = status
        return .creditCase(filed)
      case .decideCase(let decision):
        let index = cases.firstIndex { $0.id == decision.caseID }
        let stored = index.map { cases[$0] }
        let outcome = try decision.apply(case: stored, record: stored.flatMap { records[$0.recordID] })
        let decided = outcome.decided
        if let index { cases[index] = decided }
        if let status = outcome.recordStatus { records[decided.recordID]?.status = status }
        if let content = outcome.newRecord {
          records[content.recordID] =
            records[content.recordID]?.resubmitted(content)
            ?? CreditRecord(id: content.recordID, content: content, status: .active, version: 1)
        }
        return .creditCase(decided)
      case .fileComplaint(var complaint):
        complaint.filedSequence = sequence
        complaint.filedOrigin = origin
        cases.append(complaint)
        return .creditCase(complaint)
      case .suspend(let suspension):
        suspensions.append(suspension)
        return .suspension(suspension)
      case .liftSuspension(let id, let by, let reason, let at):
        let index = suspensions.firstIndex { $0.id == id }
        let lifted = try SuspensionRules.lift(index.map { suspensions[$0] }, id: id, by: by, reason: reason, at: at)
        if let index { suspensions[index] = lifted }
        return .suspension(lifted)
      case .revokeRecord(let id, let providerID):
        var record = try CaseRules.revocable(records[id], by: providerID, field: "record_id")
        record.status = .revoked
        records[id] = record
        return .record(record)
      }
    }
  }

  private let state = Mutex(State())

  /// Creates an empty store.
  public init() {}

  /// `CreditStore.registerSubjects`: inserts or renames, all at once.
  public func registerSubjects(_ subjects: [Subject]) async throws {
    _ = try state.withLock { try $0.apply(.registerSubjects(subjects)) }
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
    guard case .records(let stored) = try state.withLock({ try $0.apply(.submitRecords(records)) }) else { return [] }
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

  /// `CreditStore.subjectCodes(withRecordsIn:after:limit:)`.
  public func subjectCodes(withRecordsIn categories: [String], after: String, limit: Int) async throws -> [String] {
    let wanted = Set(categories)
    return state.withLock { state in
      let codes = Set(state.records.values.filter { wanted.contains($0.content.category) }.map(\.content.subjectCode))
      return Array(codes.filter { $0 > after }.sorted().prefix(limit))
    }
  }

  /// `CreditStore.subjectCount()`.
  public func subjectCount() async throws -> Int {
    state.withLock { $0.subjects.count }
  }

  /// Appends to the log of `origin`; a batch whose seal throws leaves no trace.
  public func append(_ batch: [AuditAppend], origin: String, seal: @escaping AuditSeal) async throws -> [AuditCommit] {
    try state.withLock { state in
      // A change that throws leaves nothing behind (`apply` checks before it writes); the
      // seal may still fail: keep what it would undo.
      let before = batch.contains { $0.change != nil } ? state : nil
      let logSize = state.audit[origin]?.count ?? 0
      var commits: [AuditCommit] = []
      var last = state.lastAboutSubject[origin] ?? [:]
      for item in batch {
        var entry = item.entry
        let sequence = UInt64(logSize + commits.count + 1)
        let change = item.change.map { change in
          Result<StateChangeResult, any Error> { try state.apply(change, sequence: sequence, origin: origin) }
        }
        if let change, let complete = item.complete { complete(change, &entry) }
        entry.origin = origin
        entry.sequence = sequence
        if !entry.subjectPseudonym.isEmpty {
          entry.previousSubjectSequence = last[entry.subjectPseudonym] ?? 0
          last[entry.subjectPseudonym] = sequence
        }
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
      state.lastAboutSubject[origin] = last
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

  /// Every log in memory has links from its first entry.
  public func subjectChainStart(origin: String) async throws -> UInt64 { 1 }

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
    _ = try state.withLock { try $0.apply(.insertConsent(consent)) }
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
    guard case .consent(let consent) = try state.withLock({ try $0.apply(.revokeConsent(id: id, at: at)) }) else {
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

  // MARK: - Cases

  /// `CaseStore.cases(status:)`: in filing order.
  public func cases(status: CaseStatus?) async throws -> [CreditCase] {
    state.withLock { state in state.cases.filter { status == nil || $0.status == status } }
  }

  /// `CaseStore.cases(subjectCode:)`: in filing order.
  public func cases(subjectCode: String) async throws -> [CreditCase] {
    state.withLock { state in state.cases.filter { $0.subjectCode == subjectCode } }
  }

  /// `SuspensionStore.suspensions()`: in the order made.
  public func suspensions() async throws -> [Suspension] {
    state.withLock { $0.suspensions }
  }

  /// `CaseStore.creditCase(id:)`.
  public func creditCase(id: String) async throws -> CreditCase? {
    state.withLock { state in state.cases.first { $0.id == id } }
  }
}
