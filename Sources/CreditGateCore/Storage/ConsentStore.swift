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
  /// Runs `check` on the consent as stored (nil if unknown) and, if it returns no refusal,
  /// counts one use — atomically. Returns the refusal, if any.
  func useConsent(
    id: String, check: @Sendable (Consent?) -> ConsentRules.Refusal?
  ) async throws -> ConsentRules.Refusal?
}
