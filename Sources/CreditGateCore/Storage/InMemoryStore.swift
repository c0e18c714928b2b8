public import Foundation
import Synchronization

/// An in-memory `CreditStore` and `AuditLogStore`, for tests and as the reference semantics.
public final class InMemoryStore: CreditStore, AuditLogStore {
  private struct State {
    var subjects: [String: Subject] = [:]
    var records: [String: CreditRecord] = [:]
    var audit: [AuditEntry] = []
  }

  private let state = Mutex(State())

  public init() {}

  public func registerSubjects(_ subjects: [Subject]) async throws {
    state.withLock { state in
      for subject in subjects {
        // The kind follows from the code; a re-registration updates the name only.
        state.subjects[subject.code, default: subject].name = subject.name
      }
    }
  }

  public func subject(code: String) async throws -> Subject? {
    state.withLock { $0.subjects[code] }
  }

  public func subjectKinds(codes: [String]) async throws -> [String: SubjectKind] {
    state.withLock { state in
      var kinds: [String: SubjectKind] = [:]
      for code in codes { kinds[code] = state.subjects[code]?.kind }
      return kinds
    }
  }

  public func submitRecords(_ records: [RecordContent]) async throws -> [CreditRecord] {
    state.withLock { state in
      records.map { content in
        let id = content.recordID
        let stored: CreditRecord
        if let existing = state.records[id] {
          stored =
            existing.content == content
            ? existing
            : CreditRecord(
              id: id, content: content, status: existing.status, version: existing.version + 1)
        } else {
          stored = CreditRecord(id: id, content: content, status: .active, version: 1)
        }
        state.records[id] = stored
        return stored
      }
    }
  }

  public func records(subjectCode: String) async throws -> [CreditRecord] {
    state.withLock { state in
      state.records.values.filter { $0.content.subjectCode == subjectCode }
        .sorted { ($0.content.decidedOn, $0.id) < ($1.content.decidedOn, $1.id) }
    }
  }

  public func record(id: String) async throws -> CreditRecord? {
    state.withLock { $0.records[id] }
  }

  public func subjectCount() async throws -> Int {
    state.withLock { $0.subjects.count }
  }

  public func append(_ entries: [AuditEntry]) async throws -> [AuditEntry] {
    state.withLock { state in
      entries.map { entry in
        var entry = entry
        entry.sequence = UInt64(state.audit.count + 1)
        state.audit.append(entry)
        return entry
      }
    }
  }

  public func search(_ filter: AuditFilter) async throws -> [AuditEntry] {
    state.withLock { state in
      Array(state.audit.lazy.filter(filter.matches).prefix(filter.limit))
    }
  }

  public func size() async throws -> UInt64 {
    state.withLock { UInt64($0.audit.count) }
  }
}

/// In-memory consents, the reference semantics of `ConsentStore`.
public final class InMemoryConsentStore: ConsentStore {
  private let consents = Mutex([String: Consent]())

  public init() {}

  public func insertConsent(_ consent: Consent) async throws {
    consents.withLock { $0[consent.id] = consent }
  }

  public func consent(id: String) async throws -> Consent? {
    consents.withLock { $0[id] }
  }

  public func consents(subjectCode: String) async throws -> [Consent] {
    consents.withLock { all in
      all.values.filter { $0.subjectCode == subjectCode }
        .sorted { ($0.validFrom, $0.id) > ($1.validFrom, $1.id) }
    }
  }

  public func revokeConsent(id: String, at: Date) async throws -> Consent? {
    consents.withLock { all in
      guard var consent = all[id] else { return nil }
      if consent.revokedAt == nil {
        consent.revokedAt = at.roundedToMicroseconds
        all[id] = consent
      }
      return consent
    }
  }

  public func useConsent(
    id: String, check: @Sendable (Consent?) -> ConsentRules.Refusal?
  ) async throws -> ConsentRules.Refusal? {
    consents.withLock { all in
      if let refusal = check(all[id]) { return refusal }
      all[id]?.uses += 1
      return nil
    }
  }
}
