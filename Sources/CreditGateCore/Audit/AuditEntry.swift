public import Foundation

/// How a call ended, as the audit log records it.
public enum AuditOutcome: String, Sendable, Hashable, Codable, CaseIterable {
  /// The call was answered.
  case answered = "ANSWERED"
  /// The caller was refused: authentication, role, purpose, consent or quota.
  case denied = "DENIED"
  /// The request was malformed.
  case invalid = "INVALID"
  /// The gateway could not complete the call (not found, unimplemented, storage down).
  case failed = "FAILED"
}

/// One entry of the audit log: one RPC, answered or not. It never holds a subject code in
/// clear, only its keyed pseudonym.
public struct AuditEntry: Sendable, Hashable {
  /// Assigned when the entry is committed; returned to the caller as `query_id`.
  public var sequence: UInt64
  public var origin: String
  public var time: Date
  public var institutionID: String
  public var certificateFingerprint: String
  public var operatorID: String
  /// The full gRPC method path, e.g. `/creditgate.v1.CreditQuery/GetProfile`.
  public var method: String
  public var purpose: String
  public var consentID: String
  public var subjectPseudonym: String
  public var outcome: AuditOutcome
  /// The gRPC status code sent (0 for OK).
  public var statusCode: Int
  public var reason: String
  public var categoriesDisclosed: [String]
  public var recordsDisclosed: Int
  public var responseDigest: String
  /// The sequence number of the previous entry of this log about the same subject, 0 for the
  /// first (and for entries about no subject). Set by the store when it appends the entry, so
  /// that a subject's entries form a chain inside the leaves: a list of them with one left out
  /// no longer links up.
  public var previousSubjectSequence: UInt64

  /// Creates an entry. `sequence` stays 0 until the entry is committed, and `time` is rounded to
  /// microseconds, as every backend stores it.
  public init(
    sequence: UInt64 = 0, origin: String, time: Date, institutionID: String,
    certificateFingerprint: String, operatorID: String, method: String, purpose: String = "",
    consentID: String = "", subjectPseudonym: String = "", outcome: AuditOutcome,
    statusCode: Int, reason: String = "", categoriesDisclosed: [String] = [],
    recordsDisclosed: Int = 0, responseDigest: String = "", previousSubjectSequence: UInt64 = 0
  ) {
    self.sequence = sequence
    self.origin = origin
    self.time = time.roundedToMicroseconds
    self.institutionID = institutionID
    self.certificateFingerprint = certificateFingerprint
    self.operatorID = operatorID
    self.method = method
    self.purpose = purpose
    self.consentID = consentID
    self.subjectPseudonym = subjectPseudonym
    self.outcome = outcome
    self.statusCode = statusCode
    self.reason = reason
    self.categoriesDisclosed = categoriesDisclosed
    self.recordsDisclosed = recordsDisclosed
    self.responseDigest = responseDigest
    self.previousSubjectSequence = previousSubjectSequence
  }
}
