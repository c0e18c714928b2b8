public import Foundation

/// Consents. `use` is the one operation that must be atomic: check and count in one step, so
/// that two concurrent queries cannot both spend a consent's last use.
public protocol ConsentStore: Sendable {
  func insertConsent(_ consent: Consent) async throws
  func consent(id: String) async throws -> Consent?
  /// Every consent a subject gave, newest first.
  func consents(subjectCode: String) async throws -> [Consent]
  /// Marks a consent revoked at `at`; returns it as stored, or nil if there is none. Revoking
  /// twice keeps the first time.
  func revokeConsent(id: String, at: Date) async throws -> Consent?
  /// Runs `check` on the consent as stored (nil if unknown) and the time `now` reads inside
  /// the same transaction and, if it returns no refusal, counts one use — atomically, so that
  /// a revocation committed before the use is always seen. Returns the refusal, if any.
  ///
  /// The use is committed before the call's audit entry: a use counted for an answer that was
  /// then refused for want of an entry is lost to the subject's benefit (it fails closed).
  func useConsent(
    id: String, now: @Sendable () -> Date, check: @Sendable (Consent?, Date) -> ConsentRules.Refusal?
  ) async throws -> ConsentRules.Refusal?
}
