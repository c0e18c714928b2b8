public import CreditGateCore
public import Foundation
import GRDB

extension SQLiteStore {
  /// Stores a new consent.
  public func insertConsent(_ consent: Consent) async throws {
    _ = try await write("insert a consent") { db in try Self.apply(.insertConsent(consent), db) }
  }

  /// The consent with `id`, if any.
  public func consent(id: String) async throws -> Consent? {
    try await read("read a consent") { db in try ConsentRow.fetchOne(db, key: id)?.consent }
  }

  /// Every consent the subject gave, newest first.
  public func consents(subjectCode: String) async throws -> [Consent] {
    try await read("read a subject's consents") { db in
      try ConsentRow.filter(ConsentRow.Columns.subjectCode == subjectCode)
        .order(ConsentRow.Columns.validFromUS.desc, ConsentRow.Columns.id.desc)
        .fetchAll(db).map(\.consent)
    }
  }

  /// Marks the consent revoked at `at` unless it already is; returns it as stored.
  public func revokeConsent(id: String, at: Date) async throws -> Consent? {
    let result = try await write("revoke a consent") { db in try Self.apply(.revokeConsent(id: id, at: at), db) }
    guard case .consent(let consent) = result else { return nil }
    return consent
  }

  /// Checks and counts one use in one write transaction: no other query can spend the same use
  /// in between, and `now` is read after the write lock is held, so a revocation committed
  /// before it is seen.
  public func useConsent(
    id: String, now: @Sendable () -> Date, check: @Sendable (Consent?, Date) -> ConsentRules.Refusal?
  ) async throws -> ConsentRules.Refusal? {
    try await write("use a consent") { db in
      if let refusal = check(try ConsentRow.fetchOne(db, key: id)?.consent, now()) { return refusal }
      try ConsentRow.filter(key: id).updateAll(db, ConsentRow.Columns.uses += 1)
      return nil
    }
  }
}
