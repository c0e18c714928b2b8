import CreditGateCore
import CreditGateProtos
import CreditGateServer
import CreditGateTestKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Testing

/// Consent end to end over mutual TLS (DESIGN §7): the bank walkthrough, every refusal reason
/// of a consent-based query, and the validation of grants — each checked in the audit log too.
@Suite("Consents over mutual TLS")
struct ConsentEndToEndTests {
  static let operatorMetadata: Metadata = ["x-operator-id": "loan-officer-12"]
  /// Has a loan-default and an exam-cheating record.
  static let wangFang = "330203197803025518"
  static let zhangWei = "33010619900101123X"
  static let day: TimeInterval = 86_400
  static let digest = String(repeating: "5e", count: 32)
  /// A second consent-based querier, added to the demo configuration: the dev PKI issues its
  /// certificate on first start like every configured institution's.
  static let otherBank = "demo-bank-2"

  static func withGateway<Result: Sendable>(_ body: (TestGateway) async throws -> Result) async throws -> Result {
    try await TestGateway.withRunning(configure: { configuration in
      var bank = try #require(configuration.institutions.first { $0.id == "demo-bank" })
      bank.id = otherBank
      bank.name = "示例第二商业银行"
      configuration.institutions.append(bank)
    }, body)
  }

  // MARK: Calls

  static func grant(
    _ gateway: TestGateway, as institution: String = "demo-portal",
    _ change: (inout Creditgate_V1_GrantConsentRequest) -> Void = { _ in }
  ) async throws -> Creditgate_V1_GrantConsentResponse {
    var request = Creditgate_V1_GrantConsentRequest.with {
      $0.subjectCode = wangFang
      $0.granteeInstitutionID = "demo-bank"
      $0.purpose = "commercial-loan"
      $0.validUntil = .init(date: Date().addingTimeInterval(30 * day))
    }
    change(&request)
    return try await gateway.connection(as: institution).withClient { client in
      try await Creditgate_V1_Consents.Client(wrapping: client).grantConsent(request, metadata: operatorMetadata)
    }
  }

  static func profile(
    _ gateway: TestGateway, as institution: String = "demo-bank", subject: String = wangFang,
    purpose: String = "commercial-loan", consentID: String, categories: [String] = []
  ) async throws -> Creditgate_V1_GetProfileResponse {
    try await gateway.connection(as: institution).withClient { client in
      try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
        .with {
          $0.subjectCode = subject
          $0.purpose = purpose
          $0.consentID = consentID
          $0.categories = categories
        }, metadata: operatorMetadata)
    }
  }

  static func list(
    _ gateway: TestGateway, as institution: String = "demo-portal", subject: String = wangFang
  ) async throws -> [Creditgate_V1_Consent] {
    try await gateway.connection(as: institution).withClient { client in
      try await Creditgate_V1_Consents.Client(wrapping: client).listConsents(
        .with { $0.subjectCode = subject }, metadata: operatorMetadata)
        .consents
    }
  }

  static func revoke(_ gateway: TestGateway, as institution: String = "demo-portal", _ id: String) async throws {
    _ = try await gateway.connection(as: institution).withClient { client in
      try await Creditgate_V1_Consents.Client(wrapping: client).revokeConsent(
        .with { $0.consentID = id }, metadata: operatorMetadata)
    }
  }

  /// The RPCError `body` throws, and the audit entry its `x-query-id` names.
  static func refusal<Output>(
    _ gateway: TestGateway, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Output
  ) async throws -> (RPCError, AuditEntry) {
    let error = try await #require(throws: RPCError.self, sourceLocation: sourceLocation) {
      _ = try await body()
    }
    let queryID = try #require(
      error.metadata[stringValues: "x-query-id"].first(where: { _ in true }), sourceLocation: sourceLocation)
    let entry = try #require(
      try await gateway.auditEntries().first(where: { String($0.sequence) == queryID }),
      sourceLocation: sourceLocation)
    #expect(entry.reason == error.message, sourceLocation: sourceLocation)
    #expect(entry.statusCode == error.code.rawValue, sourceLocation: sourceLocation)
    #expect(entry.recordsDisclosed == 0, sourceLocation: sourceLocation)
    #expect(entry.responseDigest.isEmpty, sourceLocation: sourceLocation)
    return (error, entry)
  }

  // MARK: The bank walkthrough

  @Test("the bank walkthrough: grant, query, list, revoke, refused at once")
  func walkthrough() async throws {
    try await Self.withGateway { gateway in
      // The portal records the person's consent: a loan check, 30 days, two uses, two categories.
      let granted = try await Self.grant(gateway) {
        $0.categories = ["loan-default", "tax-arrears"]
        $0.maxUses = 2
      }
      let id = granted.consentID
      #expect(!id.isEmpty)
      #expect(granted.queryID > 0)
      let grantEntry = try #require(try await gateway.auditEntries().last)
      #expect(grantEntry.sequence == granted.queryID)
      #expect(grantEntry.method == "/creditgate.v1.Consents/GrantConsent")
      #expect(grantEntry.institutionID == "demo-portal")
      #expect(grantEntry.consentID == id)
      #expect(grantEntry.outcome == .answered)
      #expect(grantEntry.subjectPseudonym == gateway.gateway.pseudonymizer.pseudonym(Self.wangFang))

      // The bank's query answers with what the consent covers, and nothing else.
      let response = try await Self.profile(gateway, consentID: id)
      #expect(response.subject.subjectCode == Self.wangFang)
      #expect(response.records.map(\.category) == ["loan-default"])
      #expect(!response.records.contains { $0.category == "exam-cheating" })
      #expect(response.covered == ["tax-arrears", "loan-default"])
      #expect(
        Set(response.withheld.filter { $0.reason == "outside the consent" }.map(\.category))
          == ["housing-fund-default", "dishonest-judgment-debtor", "fraud"])
      #expect(
        response.withheld.filter { $0.reason != "outside the consent" }.allSatisfy {
          $0.reason == "outside the purpose commercial-loan"
        })
      let queryEntry = try #require(try await gateway.auditEntries().last)
      #expect(queryEntry.sequence == response.queryID)
      #expect(queryEntry.method == "/creditgate.v1.CreditQuery/GetProfile")
      #expect(queryEntry.institutionID == "demo-bank")
      #expect(queryEntry.operatorID == "loan-officer-12")
      #expect(queryEntry.purpose == "commercial-loan")
      #expect(queryEntry.consentID == id)
      #expect(queryEntry.outcome == .answered)
      #expect(Set(queryEntry.categoriesDisclosed) == ["loan-default", "tax-arrears"])
      #expect(queryEntry.recordsDisclosed == 1)

      // The person, through the portal, sees the consent with one use spent.
      let listed = try #require(try await Self.list(gateway).first { $0.consentID == id })
      #expect(listed.uses == 1)
      #expect(listed.maxUses == 2)
      #expect(listed.status == .active)
      #expect(listed.granteeInstitutionID == "demo-bank")
      #expect(listed.purpose == "commercial-loan")
      #expect(listed.categories == ["loan-default", "tax-arrears"])
      #expect(listed.validUntil.date > Date().addingTimeInterval(29 * Self.day))

      // Revoked through the portal ...
      try await Self.revoke(gateway, id)
      let revokeEntry = try #require(try await gateway.auditEntries().last)
      #expect(revokeEntry.method == "/creditgate.v1.Consents/RevokeConsent")
      #expect(revokeEntry.consentID == id)
      #expect(revokeEntry.outcome == .answered)
      #expect(try await Self.list(gateway).first { $0.consentID == id }?.status == .revoked)

      // ... the very next query is refused, and audited with the consent id.
      let (error, entry) = try await Self.refusal(gateway) { try await Self.profile(gateway, consentID: id) }
      #expect(error.code == .permissionDenied)
      #expect(error.message.contains("consent_id"))
      #expect(error.message.contains("revoked"))
      #expect(entry.outcome == .denied)
      #expect(entry.consentID == id)
      #expect(entry.institutionID == "demo-bank")
      #expect(entry.categoriesDisclosed.isEmpty)
      // The refusal spent no use.
      #expect(try await gateway.gateway.store.consent(id: id)?.uses == 1)
    }
  }

  // MARK: Refusal reasons over the wire

  /// How the consent of a refused query comes to be.
  enum Setup: Sendable {
    /// No consent_id at all.
    case none
    /// An id nothing is stored under.
    case unknown
    /// Granted through the portal (after `usesBefore` answered queries).
    case granted(subject: String, grantee: String, purpose: String, categories: [String], maxUses: UInt32, usesBefore: Int)
    /// Put straight into the gateway's store, to reach times a grant cannot: the gateway's clock
    /// is the real one, and tests do not wait.
    case stored(validFrom: TimeInterval, validUntil: TimeInterval)
  }

  struct RefusalCase: Sendable, CustomTestStringConvertible {
    var label: String
    var setup: Setup
    var querier = "demo-bank"
    var purpose = "commercial-loan"
    var categories: [String] = []
    var reason: String
    var testDescription: String { label }
  }

  static let refusalCases: [RefusalCase] = [
    RefusalCase(label: "no consent_id", setup: .none, reason: "no consent"),
    RefusalCase(label: "unknown consent id", setup: .unknown, reason: "unknown consent"),
    RefusalCase(
      label: "consent given by another subject",
      setup: .granted(subject: zhangWei, grantee: "demo-bank", purpose: "commercial-loan", categories: [], maxUses: 0, usesBefore: 0),
      reason: "wrong subject"),
    RefusalCase(
      label: "consent given to another institution",
      setup: .granted(subject: wangFang, grantee: "demo-bank", purpose: "commercial-loan", categories: [], maxUses: 0, usesBefore: 0),
      querier: otherBank, reason: "wrong grantee"),
    RefusalCase(
      label: "consent for commercial-insurance used for commercial-loan",
      setup: .granted(subject: wangFang, grantee: "demo-bank", purpose: "commercial-insurance", categories: [], maxUses: 0, usesBefore: 0),
      reason: "wrong purpose"),
    RefusalCase(
      label: "query explicitly asks for a category the consent does not cover",
      setup: .granted(subject: wangFang, grantee: "demo-bank", purpose: "commercial-loan", categories: ["loan-default"], maxUses: 0, usesBefore: 0),
      categories: ["fraud"], reason: "categories not covered"),
    RefusalCase(
      label: "max_uses 1, second query",
      setup: .granted(subject: wangFang, grantee: "demo-bank", purpose: "commercial-loan", categories: [], maxUses: 1, usesBefore: 1),
      reason: "uses exhausted"),
    RefusalCase(label: "expired", setup: .stored(validFrom: -40 * day, validUntil: -10 * day), reason: "expired"),
    RefusalCase(label: "not yet valid", setup: .stored(validFrom: day, validUntil: 30 * day), reason: "not yet valid"),
  ]

  @Test("each refusal reason of a consent-based query, audited", arguments: refusalCases)
  func consentRefusal(_ item: RefusalCase) async throws {
    try await Self.withGateway { gateway in
      let consentID: String
      switch item.setup {
      case .none:
        consentID = ""
      case .unknown:
        consentID = "c00000000000000000000"
      case let .granted(subject, grantee, purpose, categories, maxUses, usesBefore):
        consentID = try await Self.grant(gateway) {
          $0.subjectCode = subject
          $0.granteeInstitutionID = grantee
          $0.purpose = purpose
          $0.categories = categories
          $0.maxUses = maxUses
        }.consentID
        for _ in 0..<usesBefore {
          _ = try await Self.profile(gateway, as: item.querier, purpose: item.purpose, consentID: consentID)
        }
      case let .stored(validFrom, validUntil):
        consentID = Consent.newID()
        let now = Date()
        try await gateway.gateway.store.insertConsent(
          Consent(
            id: consentID, subjectCode: Self.wangFang, granteeID: "demo-bank", purpose: "commercial-loan",
            categories: ["loan-default"], validFrom: now.addingTimeInterval(validFrom),
            validUntil: now.addingTimeInterval(validUntil), recordedBy: "demo-portal"))
      }
      let usesBefore = try await gateway.gateway.store.consent(id: consentID)?.uses

      let (error, entry) = try await Self.refusal(gateway) {
        try await Self.profile(
          gateway, as: item.querier, purpose: item.purpose, consentID: consentID, categories: item.categories)
      }
      #expect(error.code == .permissionDenied)
      #expect(error.message.contains("consent_id"))
      #expect(error.message.contains(item.reason))
      #expect(!error.message.contains(Self.wangFang))
      #expect(entry.outcome == .denied)
      #expect(entry.statusCode == RPCError.Code.permissionDenied.rawValue)
      #expect(entry.institutionID == item.querier)
      #expect(entry.method == "/creditgate.v1.CreditQuery/GetProfile")
      #expect(entry.purpose == item.purpose)
      #expect(entry.consentID == consentID)
      #expect(entry.categoriesDisclosed.isEmpty)
      #expect(entry.subjectPseudonym == gateway.gateway.pseudonymizer.pseudonym(Self.wangFang))
      // A refused query spends no use.
      #expect(try await gateway.gateway.store.consent(id: consentID)?.uses == usesBefore)
    }
  }

  /// A consent-based query method, called without consent.
  enum QueryMethod: String, CaseIterable, Sendable {
    case getProfile = "GetProfile"
    case checkMeasures = "CheckMeasures"
    case verifyIdentity = "VerifyIdentity"
  }

  /// DESIGN §7: a consent-kind query without a valid consent is PERMISSION_DENIED, whatever it
  /// asks about. Were an unregistered subject answered NOT_FOUND first, a commercial user could
  /// learn without anyone's consent whether a person is in the credit system.
  @Test("without consent, the answer does not depend on whether the subject is registered", arguments: QueryMethod.allCases)
  func noExistenceOracle(_ method: QueryMethod) async throws {
    try await Self.withGateway { gateway in
      let unregistered = "330106199001015679"
      func ask(_ subject: String) async throws -> RPCError {
        let (error, entry) = try await Self.refusal(gateway) {
          try await gateway.connection(as: "demo-bank").withClient { client in
            let query = Creditgate_V1_CreditQuery.Client(wrapping: client)
            switch method {
            case .getProfile:
              _ = try await query.getProfile(
                .with { $0.subjectCode = subject; $0.purpose = "commercial-loan" }, metadata: Self.operatorMetadata)
            case .checkMeasures:
              _ = try await query.checkMeasures(
                .with { $0.subjectCode = subject; $0.purpose = "commercial-loan" }, metadata: Self.operatorMetadata)
            case .verifyIdentity:
              _ = try await query.verifyIdentity(
                .with { $0.subjectCode = subject; $0.name = "王芳"; $0.purpose = "commercial-loan" },
                metadata: Self.operatorMetadata)
            }
          }
        }
        #expect(entry.method == "/creditgate.v1.CreditQuery/\(method.rawValue)")
        #expect(entry.outcome == .denied)
        return error
      }
      let registered = try await ask(Self.wangFang)
      let unknown = try await ask(unregistered)
      #expect(registered.code == .permissionDenied)
      #expect(registered.message.contains("no consent"))
      #expect(unknown.code == .permissionDenied, "\(method.rawValue) on an unregistered subject: \(unknown.code) \(unknown.message)")
      #expect(unknown.message == registered.message)
    }
  }

  // MARK: Granting

  struct GrantCase: Sendable, CustomTestStringConvertible {
    var label: String
    var institution = "demo-portal"
    var change: @Sendable (inout Creditgate_V1_GrantConsentRequest) -> Void
    var code: RPCError.Code
    var names: String
    var testDescription: String { label }
  }

  static let grantCases: [GrantCase] = [
    GrantCase(label: "valid_until missing", change: { $0.clearValidUntil() }, code: .invalidArgument, names: "valid_until"),
    GrantCase(
      label: "valid_until in the past", change: { $0.validUntil = .init(date: Date().addingTimeInterval(-day)) },
      code: .invalidArgument, names: "valid_until"),
    GrantCase(
      label: "valid_until beyond consent.max_days (365)",
      change: { $0.validUntil = .init(date: Date().addingTimeInterval(366 * day)) },
      code: .invalidArgument, names: "valid_until"),
    GrantCase(
      label: "a statutory purpose needs no consent", change: { $0.purpose = "civil-servant-recruitment" },
      code: .invalidArgument, names: "purpose"),
    GrantCase(
      label: "a purpose not on the list", change: { $0.purpose = "fortune-telling" }, code: .invalidArgument,
      names: "purpose"),
    GrantCase(
      label: "a category outside the purpose", change: { $0.categories = ["loan-default", "exam-cheating"] },
      code: .invalidArgument, names: "categories"),
    GrantCase(
      label: "the portal naming no grantee", change: { $0.granteeInstitutionID = "" }, code: .invalidArgument,
      names: "grantee_institution_id"),
    GrantCase(
      label: "a grantee that does not query", change: { $0.granteeInstitutionID = "demo-court" },
      code: .invalidArgument, names: "grantee_institution_id"),
    GrantCase(
      label: "a grantee that may not use the purpose", change: { $0.granteeInstitutionID = "demo-hr-bureau" },
      code: .invalidArgument, names: "purpose"),
    GrantCase(
      label: "a malformed evidence digest from the portal", change: { $0.evidenceDigest = "not-a-digest" },
      code: .invalidArgument, names: "evidence_digest"),
    GrantCase(
      label: "an unregistered subject", change: { $0.subjectCode = "330106199001015679" }, code: .notFound,
      names: "subject_code"),
    GrantCase(
      label: "a malformed subject code", change: { $0.subjectCode = "330203197803025519" }, code: .invalidArgument,
      names: "subject_code"),
    GrantCase(
      label: "demo-bank registering without evidence_digest", institution: "demo-bank",
      change: { $0.evidenceDigest = "" }, code: .invalidArgument, names: "evidence_digest"),
    GrantCase(
      label: "demo-bank registering for another grantee", institution: "demo-bank",
      change: {
        $0.granteeInstitutionID = otherBank
        $0.evidenceDigest = digest
      }, code: .permissionDenied, names: "grantee_institution_id"),
  ]

  @Test("grant validation, audited, and nothing stored", arguments: grantCases)
  func grantRefused(_ item: GrantCase) async throws {
    try await Self.withGateway { gateway in
      let (error, entry) = try await Self.refusal(gateway) {
        try await Self.grant(gateway, as: item.institution, item.change)
      }
      #expect(error.code == item.code)
      #expect(error.message.contains(item.names))
      #expect(entry.institutionID == item.institution)
      #expect(entry.method == "/creditgate.v1.Consents/GrantConsent")
      #expect(entry.outcome == (item.code == .invalidArgument ? .invalid : item.code == .permissionDenied ? .denied : .failed))
      #expect(entry.consentID.isEmpty)
      for subject in [Self.wangFang, "330106199001015679"] {
        #expect(try await gateway.gateway.store.consents(subjectCode: subject).isEmpty)
      }
    }
  }

  @Test("a grantee registers its own consent with evidence; it is usable and the person sees it")
  func grantRegistersOwnConsent() async throws {
    try await Self.withGateway { gateway in
      // The longest consent allowed, give or take the time the call takes.
      let until = Date().addingTimeInterval(365 * Self.day - 60)
      let granted = try await Self.grant(gateway, as: "demo-bank") {
        $0.granteeInstitutionID = ""
        $0.evidenceDigest = Self.digest.uppercased()
        $0.validUntil = .init(date: until)
        $0.categories = ["loan-default"]
      }
      let stored = try #require(try await gateway.gateway.store.consent(id: granted.consentID))
      #expect(stored.granteeID == "demo-bank")
      #expect(stored.recordedBy == "demo-bank")
      #expect(stored.subjectCode == Self.wangFang)
      #expect(stored.evidenceDigest == Self.digest)
      #expect(stored.maxUses == 0)
      #expect(abs(stored.validUntil.timeIntervalSince(until)) < 0.001)

      let entry = try #require(try await gateway.auditEntries().last)
      #expect(entry.sequence == granted.queryID)
      #expect(entry.institutionID == "demo-bank")
      #expect(entry.consentID == granted.consentID)
      #expect(entry.outcome == .answered)

      let response = try await Self.profile(gateway, consentID: granted.consentID)
      #expect(response.records.map(\.category) == ["loan-default"])
      let seen = try #require(try await Self.list(gateway).first { $0.consentID == granted.consentID })
      #expect(seen.granteeInstitutionID == "demo-bank")
      #expect(seen.evidenceDigest == Self.digest)
      #expect(seen.uses == 1)
    }
  }

  @Test("a grantee lists only its own consents; the portal lists them all")
  func listingIsScoped() async throws {
    try await Self.withGateway { gateway in
      let mine = try await Self.grant(gateway).consentID
      let theirs = try await Self.grant(gateway) { $0.granteeInstitutionID = Self.otherBank }.consentID
      let insurance = try await Self.grant(gateway) { $0.purpose = "commercial-insurance" }.consentID

      #expect(Set(try await Self.list(gateway, as: "demo-bank").map(\.consentID)) == [mine, insurance])
      #expect(try await Self.list(gateway, as: Self.otherBank).map(\.consentID) == [theirs])
      #expect(Set(try await Self.list(gateway).map(\.consentID)) == [mine, theirs, insurance])
      #expect(try await Self.list(gateway, as: "demo-hr-bureau").isEmpty)
      #expect(try await Self.list(gateway, subject: Self.zhangWei).isEmpty)

      let entry = try #require(try await gateway.auditEntries().last)
      #expect(entry.method == "/creditgate.v1.Consents/ListConsents")
      #expect(entry.institutionID == "demo-portal")
      #expect(entry.outcome == .answered)
    }
  }

  @Test("revoking someone else's consent is NOT_FOUND, audited, and changes nothing")
  func revokeOthersConsent() async throws {
    try await Self.withGateway { gateway in
      let theirs = try await Self.grant(gateway) { $0.granteeInstitutionID = Self.otherBank }.consentID
      let (error, entry) = try await Self.refusal(gateway) { try await Self.revoke(gateway, as: "demo-bank", theirs) }
      #expect(error.code == .notFound)
      #expect(error.message.contains("consent_id"))
      #expect(entry.outcome == .failed)
      #expect(entry.institutionID == "demo-bank")
      #expect(entry.method == "/creditgate.v1.Consents/RevokeConsent")
      #expect(entry.consentID == theirs)
      #expect(try await gateway.gateway.store.consent(id: theirs)?.revokedAt == nil)
      // Still usable by its grantee.
      _ = try await Self.profile(gateway, as: Self.otherBank, consentID: theirs)

      // An unknown id reads the same as someone else's.
      let (unknown, unknownEntry) = try await Self.refusal(gateway) {
        try await Self.revoke(gateway, as: "demo-bank", "c00000000000000000000")
      }
      #expect(unknown.code == .notFound)
      #expect(unknown.message == error.message)
      #expect(unknownEntry.consentID == "c00000000000000000000")

      // Its own consent, a grantee may revoke.
      let mine = try await Self.grant(gateway).consentID
      try await Self.revoke(gateway, as: "demo-bank", mine)
      #expect(try await gateway.gateway.store.consent(id: mine)?.revokedAt != nil)
      let (refused, _) = try await Self.refusal(gateway) { try await Self.profile(gateway, consentID: mine) }
      #expect(refused.message.contains("revoked"))
    }
  }
}
