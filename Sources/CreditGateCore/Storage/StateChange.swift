public import Foundation

/// A change of stored state made by a call. It commits in the same transaction as the call's
/// audit entry (DESIGN §8): both are durable, or neither is.
public enum StateChange: Sendable, Hashable {
  /// Inserts the subjects, or updates their names if they exist.
  case registerSubjects([Subject])
  /// Upserts records by (provider, provider record id).
  case submitRecords([RecordContent])
  case insertConsent(Consent)
  /// Marks a consent revoked; revoking twice keeps the first time.
  case revokeConsent(id: String, at: Date)
  /// Files an objection or a repair application (`CaseFiling.apply`, checked against the
  /// record and its cases as stored) and marks the record.
  case fileCase(CaseFiling)
  /// Decides an open case (`CaseRules.decide`) and sets its record's status.
  case decideCase(CaseDecision)
  /// Revokes a record for its provider (`CaseRules.revocable`).
  case revokeRecord(id: String, providerID: String)
}

/// An objection or repair application to file: checked inside the transaction, against the
/// record and its cases as they are then, so that two filings racing on one record cannot
/// both open a case.
public struct CaseFiling: Sendable, Hashable {
  public var kind: CaseKind
  public var recordID: String
  public var subjectCode: String
  public var statement: String
  /// The category of the record when the call read it, from the published lists. If the
  /// record as stored has changed category since, the filing is refused (the rules were
  /// checked against the wrong category).
  public var category: Category?
  public var id: String
  public var at: Date
  public var today: LocalDate
  public var calendar: WorkingCalendar

  /// A filing of `kind` on `recordID` for the person `subjectCode`.
  public init(
    kind: CaseKind, recordID: String, subjectCode: String, statement: String, category: Category?, id: String,
    at: Date, today: LocalDate, calendar: WorkingCalendar
  ) {
    self.kind = kind
    self.recordID = recordID
    self.subjectCode = subjectCode
    self.statement = statement
    self.category = category
    self.id = id
    self.at = at
    self.today = today
    self.calendar = calendar
  }

  /// The case to store and the record's new status, given the record and its cases as stored
  /// and the filing's audit entry (its log and sequence number).
  public func apply(record: CreditRecord?, cases: [CreditCase], sequence: UInt64, origin: String) throws(GatewayError)
    -> (CreditCase, RecordStatus)
  {
    let record = try CaseRules.ownRecord(record, subjectCode: subjectCode)
    guard record.content.category == category?.code else {
      throw GatewayError(.failedPrecondition, field: "record_id", "the record changed while the case was filed; try again")
    }
    var filed = try CaseRules.file(
      kind, record: record, category: category, statement: statement,
      openCases: cases.filter { $0.status == .open }, id: id, at: at, today: today, calendar: calendar)
    filed.filedSequence = sequence
    filed.filedOrigin = origin
    return (filed, CaseRules.recordStatus(filing: kind, record: record))
  }
}

/// A credit administrator's decision on a case.
public struct CaseDecision: Sendable, Hashable {
  public var caseID: String
  public var upheld: Bool
  public var reason: String
  public var decidedBy: String
  public var at: Date

  /// The decision `upheld` (or not) on `caseID`, with its reason.
  public init(caseID: String, upheld: Bool, reason: String, decidedBy: String, at: Date) {
    self.caseID = caseID
    self.upheld = upheld
    self.reason = reason
    self.decidedBy = decidedBy
    self.at = at
  }

  /// The decided case and the record's new status (nil: unchanged), given both as stored.
  public func apply(case stored: CreditCase?, record: CreditRecord?) throws(GatewayError) -> (CreditCase, RecordStatus?) {
    guard let stored else { throw GatewayError(.notFound, field: "case_id", "no case \(caseID)") }
    return try CaseRules.decide(stored, record: record, upheld: upheld, reason: reason, by: decidedBy, at: at)
  }
}

/// What a `StateChange` stored, for the answer built from it.
public enum StateChangeResult: Sendable, Hashable {
  case done
  /// Each submitted record as stored, in the order submitted.
  case records([CreditRecord])
  /// The consent as stored after the change, nil if there is none.
  case consent(Consent?)
  /// The case as stored after the change.
  case creditCase(CreditCase)
  /// The record as stored after the change.
  case record(CreditRecord)
}

/// One call's audit entry and, for a call that changes state, its change.
public struct AuditAppend: Sendable {
  public var entry: AuditEntry
  public var change: StateChange?
  /// Completes the entry from the change's result inside the transaction, before the entry is
  /// stored and hashed: the digest of the answer built from what was stored, or the failure.
  public var complete: (@Sendable (Result<StateChangeResult, any Error>, inout AuditEntry) -> Void)?

/// Creates an item: the entry, and the change it carries with the way to complete the entry.
  public init(
    entry: AuditEntry, change: StateChange? = nil,
    complete: (@Sendable (Result<StateChangeResult, any Error>, inout AuditEntry) -> Void)? = nil
  ) {
    self.entry = entry
    self.change = change
    self.complete = complete
  }
}

/// A committed entry with its sequence number and, if the call changed state, the change's
/// result. A change that failed was rolled back on its own; its entry records the failure.
public struct AuditCommit: Sendable {
  public var entry: AuditEntry
  public var change: Result<StateChangeResult, any Error>?

  /// Creates the record of a committed entry and its change's result.
  public init(entry: AuditEntry, change: Result<StateChangeResult, any Error>? = nil) {
    self.entry = entry
    self.change = change
  }
}

/// Seals a batch inside its transaction: given the batch's entries as stored, with their
/// sequence numbers and the leaf hashes the store computed for them (once: every entry is
/// hashed on the hot path), checks them against the writer's tree and returns the checkpoint
/// to store with them (nil without a signer). Throwing rolls the whole batch back.
public typealias AuditSeal = @Sendable ([StoredLeaf]) throws -> SignedCheckpoint?
