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
}

/// What a `StateChange` stored, for the answer built from it.
public enum StateChangeResult: Sendable, Hashable {
  case done
  /// Each submitted record as stored, in the order submitted.
  case records([CreditRecord])
  /// The consent as stored after the change, nil if there is none.
  case consent(Consent?)
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
