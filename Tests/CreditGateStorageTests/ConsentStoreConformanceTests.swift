import CreditGateCore
import CreditGateTestKit
import Foundation
import Synchronization
import Testing

extension ConsentStore {
  /// `useConsent` with the time the check was built for: most tests fix the time themselves.
  func useConsent(id: String, check: @escaping @Sendable (Consent?) -> ConsentRules.Refusal?) async throws -> ConsentRules.Refusal? {
    try await useConsent(id: id, now: { Date() }, check: { consent, _ in check(consent) })
  }
}

/// The `ConsentStore` conformance suite (DESIGN §1, §7): every backend runs every test below.
@Suite("ConsentStore conformance")
struct ConsentStoreConformanceTests {
  static let subject = "33010619900101123X"
  static let otherSubject = "330102198506150040"

  /// 2026-01-01T00:00:00Z.
  static let start = Date(timeIntervalSince1970: 1_767_225_600)
  static func time(_ seconds: TimeInterval) -> Date { start.addingTimeInterval(seconds) }

  static func consent(
    _ id: String, subject: String = ConsentStoreConformanceTests.subject, from: TimeInterval = 0, maxUses: Int = 0, uses: Int = 0,
    categories: [String] = ["loan-default", "fraud"], revokedAt: Date? = nil
  ) -> Consent {
    Consent(
      id: id, subjectCode: subject, granteeID: "test-bank", purpose: "commercial-loan",
      categories: categories, validFrom: time(from), validUntil: time(from + 30 * 86_400),
      maxUses: maxUses, uses: uses, evidenceDigest: String(repeating: "0f", count: 32),
      recordedBy: "test-portal", revokedAt: revokedAt)
  }

  /// The rules the gateway applies, at `now`.
  static func rules(at now: Date) -> @Sendable (Consent?) -> ConsentRules.Refusal? {
    { consent in
      ConsentRules.check(
        consent, subjectCode: subject, grantee: "test-bank", purpose: "commercial-loan",
        categories: ["loan-default"], now: now)
    }
  }

  @Test("a consent reads back equal, times at microsecond precision", arguments: StorageBackend.allCases)
  func insertAndRead(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      // Times that are not whole seconds, nor whole microseconds before rounding.
      let full = Consent(
        id: "c-full", subjectCode: Self.subject, granteeID: "test-bank", purpose: "commercial-insurance",
        categories: ["dishonest-judgment-debtor", "fraud", "loan-default"],
        validFrom: Self.time(0.123_456_7), validUntil: Self.time(86_400 * 365 - 0.000_001),
        maxUses: 7, uses: 3, evidenceDigest: String(repeating: "a1", count: 32), recordedBy: "test-bank",
        revokedAt: Self.time(3_600.654_321))
      let bare = Consent(
        id: "c-bare", subjectCode: Self.otherSubject, granteeID: "other-bank", purpose: "commercial-loan",
        categories: [], validFrom: Self.time(-1.5), validUntil: Self.time(60), recordedBy: "test-portal")
      try await store.insertConsent(full)
      try await store.insertConsent(bare)

      let readFull = try #require(try await store.consent(id: "c-full"))
      #expect(readFull == full)
      #expect(readFull.validFrom == full.validFrom)
      #expect(readFull.revokedAt == full.revokedAt)
      #expect(readFull.categories == ["dishonest-judgment-debtor", "fraud", "loan-default"])
      #expect(try await store.consent(id: "c-bare") == bare)
      #expect(try await store.consent(id: "c-missing") == nil)
      #expect(try await store.consents(subjectCode: Self.subject) == [full])
    }
  }

  @Test("a subject's consents, newest first, and only that subject's", arguments: StorageBackend.allCases)
  func consentsBySubject(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      for consent in [
        Self.consent("c-middle", from: 100), Self.consent("c-oldest", from: 0),
        Self.consent("c-other", subject: Self.otherSubject, from: 50),
        Self.consent("c-newest", from: 200.000_001),
      ] {
        try await store.insertConsent(consent)
      }
      #expect(try await store.consents(subjectCode: Self.subject).map(\.id) == ["c-newest", "c-middle", "c-oldest"])
      #expect(try await store.consents(subjectCode: Self.otherSubject).map(\.id) == ["c-other"])
      #expect(try await store.consents(subjectCode: "330203197803025518").isEmpty)
    }
  }

  @Test("revoking twice keeps the first revocation time", arguments: StorageBackend.allCases)
  func revokeKeepsFirstTime(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      try await store.insertConsent(Self.consent("c-1"))
      let first = try #require(try await store.revokeConsent(id: "c-1", at: Self.time(10.000_002)))
      #expect(first.revokedAt == Self.time(10.000_002).roundedToMicroseconds)
      let second = try #require(try await store.revokeConsent(id: "c-1", at: Self.time(20)))
      #expect(second.revokedAt == first.revokedAt)
      let stored = try #require(try await store.consent(id: "c-1"))
      #expect(stored.revokedAt == first.revokedAt)
      #expect(stored.status(at: Self.time(10.000_003)) == .revoked)
      #expect(stored.status(at: Self.time(10.000_001)) == .revoked, "any stored revocation counts")
      // Nothing else of the consent changes.
      var unrevoked = stored
      unrevoked.revokedAt = nil
      #expect(unrevoked == Self.consent("c-1"))
    }
  }

  @Test("revoking an unknown consent returns nil and creates nothing", arguments: StorageBackend.allCases)
  func revokeUnknown(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      let revoked = try await store.revokeConsent(id: "c-missing", at: Self.time(0))
      #expect(revoked == nil)
      #expect(try await store.consent(id: "c-missing") == nil)
    }
  }

  @Test("useConsent counts exactly one use on success and none on refusal", arguments: StorageBackend.allCases)
  func useCounts(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      try await store.insertConsent(Self.consent("c-1", maxUses: 2))
      let now = Self.time(60)

      #expect(try await store.useConsent(id: "c-1", check: Self.rules(at: now)) == nil)
      #expect(try await store.consent(id: "c-1")?.uses == 1)

      // A refusal by the check leaves the count alone, and comes back as given.
      let refusal = ConsentRules.Refusal(code: .wrongPurpose, detail: "test")
      #expect(try await store.useConsent(id: "c-1", check: { _ in refusal }) == refusal)
      #expect(try await store.consent(id: "c-1")?.uses == 1)

      #expect(try await store.useConsent(id: "c-1", check: Self.rules(at: now)) == nil)
      #expect(try await store.consent(id: "c-1")?.uses == 2)

      let exhausted = try await store.useConsent(id: "c-1", check: Self.rules(at: now))
      #expect(exhausted?.code == .usesExhausted)
      #expect(try await store.consent(id: "c-1")?.uses == 2)
    }
  }

  @Test("useConsent checks the consent as stored: unknown, then revoked", arguments: StorageBackend.allCases)
  func useChecksStoredConsent(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      let unknown = try await store.useConsent(id: "c-missing", check: Self.rules(at: Self.time(60)))
      #expect(unknown?.code == .unknownConsent)
      #expect(try await store.consent(id: "c-missing") == nil)

      try await store.insertConsent(Self.consent("c-1"))
      _ = try await store.revokeConsent(id: "c-1", at: Self.time(30))
      // The revocation takes effect for the very next use.
      let revoked = try await store.useConsent(id: "c-1", check: Self.rules(at: Self.time(30)))
      #expect(revoked?.code == .revoked)
      #expect(try await store.consent(id: "c-1")?.uses == 0)
      // The check receives what is stored, uses included.
      let seen = try await store.useConsent(id: "c-1") { consent in
        consent?.revokedAt == Self.time(30) && consent?.uses == 0
          ? nil : ConsentRules.Refusal(code: .unknownConsent, detail: "not the stored consent")
      }
      #expect(seen == nil)
      #expect(try await store.consent(id: "c-1")?.uses == 1)
    }
  }

  @Test("a use checked with a time read before the revocation still sees it: any revocation counts, and time is read inside the use", arguments: StorageBackend.allCases)
  func revocationRace(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      try await store.insertConsent(Self.consent("c-1"))
      // The query read its clock at 0:30; the revocation committed at 0:40 before the use.
      _ = try await store.revokeConsent(id: "c-1", at: Self.time(40))
      let stale = try await store.useConsent(id: "c-1", check: Self.rules(at: Self.time(30)))
      #expect(stale?.code == .revoked)
      // The time the store hands the check is read within the use.
      let handed = Mutex<Date?>(nil)
      _ = try await store.useConsent(id: "c-1", now: { Self.time(50) }) { _, now in
        handed.withLock { $0 = now }
        return nil
      }
      #expect(handed.withLock { $0 } == Self.time(50))
      #expect(try await store.consent(id: "c-1")?.uses == 1)
    }
  }

  @Test("50 concurrent uses of a consent with 10 uses succeed exactly 10 times", arguments: StorageBackend.allCases)
  func concurrentUses(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      try await store.insertConsent(Self.consent("c-1", maxUses: 10))
      let check = Self.rules(at: Self.time(60))
      let refusals = try await withThrowingTaskGroup(of: ConsentRules.Refusal?.self) { group in
        for _ in 0..<50 {
          group.addTask { try await store.useConsent(id: "c-1", check: check) }
        }
        var refusals: [ConsentRules.Refusal?] = []
        for try await refusal in group { refusals.append(refusal) }
        return refusals
      }
      #expect(refusals.count == 50)
      #expect(refusals.filter { $0 == nil }.count == 10)
      #expect(refusals.compactMap { $0?.code }.allSatisfy { $0 == .usesExhausted })
      #expect(try await store.consent(id: "c-1")?.uses == 10)
    }
  }
}
