import CreditGateCore
import CreditGateProtos
import CreditGateServer
import CreditGateTestKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Testing

/// End to end over a real mTLS socket: the calls of the first issue, their refusals, and the
/// audit entry every one of them leaves.
@Suite("Gateway over mutual TLS")
struct GatewayEndToEndTests {
  static let operatorMetadata: Metadata = ["x-operator-id": "officer-007"]
  static let liNa = "330102198506150040"  // serious dishonest-judgment-debtor, tax violation, admin penalty
  static let zhangWei = "33010619900101123X"

  @Test("a statutory profile discloses only the purpose's categories, and is audited")
  func statutoryProfile() async throws {
    try await TestGateway.withRunning { gateway in
      let response = try await gateway.connection(as: "demo-hr-bureau").withClient { client in
        try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
          .with {
            $0.subjectCode = Self.liNa
            $0.purpose = "civil-servant-recruitment"
          }, metadata: Self.operatorMetadata)
      }
      let allowed: Set = ["exam-cheating", "dishonest-judgment-debtor", "serious-tax-violation", "fraud"]
      #expect(response.subject.name == "李娜")
      #expect(Set(response.records.map(\.category)) == ["dishonest-judgment-debtor", "serious-tax-violation"])
      #expect(response.records.allSatisfy { allowed.contains($0.category) })
      #expect(response.queryID > 0)

      let entry = try #require(try await gateway.auditEntries().last)
      #expect(entry.sequence == response.queryID)
      #expect(entry.outcome == .answered)
      #expect(entry.institutionID == "demo-hr-bureau")
      #expect(entry.operatorID == "officer-007")
      #expect(entry.method == "/creditgate.v1.CreditQuery/GetProfile")
      #expect(entry.purpose == "civil-servant-recruitment")
      #expect(entry.recordsDisclosed == 2)
      #expect(Set(entry.categoriesDisclosed) == allowed)
      #expect(entry.subjectPseudonym == gateway.gateway.pseudonymizer.pseudonym(Self.liNa))
      #expect(!entry.subjectPseudonym.contains(Self.liNa))
      #expect(entry.certificateFingerprint.count == 64)
      #expect(entry.responseDigest.count == 64)
    }
  }

  @Test("requested categories outside the purpose are withheld with a reason")
  func withheldCategories() async throws {
    try await TestGateway.withRunning { gateway in
      let response = try await gateway.connection(as: "demo-hr-bureau").withClient { client in
        try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
          .with {
            $0.subjectCode = Self.liNa
            $0.purpose = "civil-servant-recruitment"
            $0.categories = ["dishonest-judgment-debtor", "admin-penalty"]
          }, metadata: Self.operatorMetadata)
      }
      #expect(response.records.map(\.category) == ["dishonest-judgment-debtor"])
      #expect(response.covered == ["dishonest-judgment-debtor"])
      let reasons = Dictionary(uniqueKeysWithValues: response.withheld.map { ($0.category, $0.reason) })
      #expect(reasons["admin-penalty"] == "outside the purpose civil-servant-recruitment")
      #expect(reasons["exam-cheating"] == "narrowed by the caller")
      // Every person category is either covered or withheld; no government one is named.
      #expect(response.withheld.count + response.covered.count == 16)
      #expect(reasons["commitment-broken"] == nil)
    }
  }

  struct Refusal: Sendable, CustomTestStringConvertible {
    var label: String
    var institution: String
    var subjectCode: String
    var purpose: String
    var operatorID: String?
    var code: RPCError.Code
    var messageNames: String
    var outcome: AuditOutcome
    var testDescription: String { label }
  }

  static let refusals: [Refusal] = [
    Refusal(label: "bad check character", institution: "demo-hr-bureau", subjectCode: "330102198506150041",
            purpose: "civil-servant-recruitment", operatorID: "o1", code: .invalidArgument,
            messageNames: "subject_code", outcome: .invalid),
    Refusal(label: "empty code", institution: "demo-hr-bureau", subjectCode: "",
            purpose: "civil-servant-recruitment", operatorID: "o1", code: .invalidArgument,
            messageNames: "subject_code", outcome: .invalid),
    Refusal(label: "missing purpose", institution: "demo-hr-bureau", subjectCode: liNa,
            purpose: "", operatorID: "o1", code: .invalidArgument, messageNames: "purpose", outcome: .invalid),
    Refusal(label: "unknown purpose", institution: "demo-hr-bureau", subjectCode: liNa,
            purpose: "fortune-telling", operatorID: "o1", code: .invalidArgument, messageNames: "purpose",
            outcome: .invalid),
    Refusal(label: "missing operator", institution: "demo-hr-bureau", subjectCode: liNa,
            purpose: "civil-servant-recruitment", operatorID: nil, code: .invalidArgument,
            messageNames: "x-operator-id", outcome: .invalid),
    Refusal(label: "purpose not allowed", institution: "demo-bank", subjectCode: liNa,
            purpose: "civil-servant-recruitment", operatorID: "o1", code: .permissionDenied,
            messageNames: "purpose", outcome: .denied),
    Refusal(label: "wrong role", institution: "demo-court", subjectCode: liNa,
            purpose: "civil-servant-recruitment", operatorID: "o1", code: .permissionDenied,
            messageNames: "role query", outcome: .denied),
    Refusal(label: "unregistered subject", institution: "demo-hr-bureau", subjectCode: "330106199001015679",
            purpose: "civil-servant-recruitment", operatorID: "o1", code: .notFound,
            messageNames: "subject_code", outcome: .failed),
  ]

  @Test("refusals name the field, carry x-query-id, and are audited", arguments: refusals)
  func refusal(_ refusal: Refusal) async throws {
    try await TestGateway.withRunning { gateway in
      let error = try await #require(throws: RPCError.self) {
        try await gateway.connection(as: refusal.institution).withClient { client in
          try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
            .with {
              $0.subjectCode = refusal.subjectCode
              $0.purpose = refusal.purpose
            }, metadata: refusal.operatorID.map { ["x-operator-id": .string($0)] } ?? [:])
        }
      }
      #expect(error.code == refusal.code)
      #expect(error.message.contains(refusal.messageNames))
      #expect(!error.message.contains(refusal.subjectCode) || refusal.subjectCode.isEmpty)
      let queryID = try #require(error.metadata[stringValues: "x-query-id"].first(where: { _ in true }))
      let entry = try #require(try await gateway.auditEntries().last)
      #expect(String(entry.sequence) == queryID)
      #expect(entry.outcome == refusal.outcome)
      #expect(entry.statusCode == refusal.code.rawValue)
      #expect(entry.reason == error.message)
      #expect(entry.recordsDisclosed == 0)
      #expect(entry.institutionID == refusal.institution)
    }
  }

  @Test("identity verification says only MATCH, MISMATCH or NOT_FOUND")
  func verifyIdentity() async throws {
    try await TestGateway.withRunning { gateway in
      let results = try await gateway.connection(as: "demo-hr-bureau").withClient { client in
        let query = Creditgate_V1_CreditQuery.Client(wrapping: client)
        var results: [Creditgate_V1_IdentityResult] = []
        for (code, name) in [(Self.zhangWei, "张伟"), (Self.zhangWei, "张三"), ("330106199001015679", "张伟")] {
          let response = try await query.verifyIdentity(
            .with {
              $0.subjectCode = code
              $0.name = name
              $0.purpose = "admin-licensing"
            }, metadata: Self.operatorMetadata)
          #expect(response.queryID > 0)
          results.append(response.result)
        }
        return results
      }
      #expect(results == [.match, .mismatch, .notFound])
      #expect(try await gateway.auditEntries().count == 3)
    }
  }

  @Test("providers register subjects and submit records with per-item results, idempotently")
  func submitRecords() async throws {
    try await TestGateway.withRunning { gateway in
      let newPerson = "330106198807070015"
      try await gateway.connection(as: "demo-population-registry").withClient { client in
        let records = Creditgate_V1_CreditRecords.Client(wrapping: client)
        let response = try await records.registerSubjects(
          .with {
            $0.subjects = [
              .with { $0.subjectCode = newPerson; $0.name = "周杰" },
              .with { $0.subjectCode = "91330106MA2B00001Y"; $0.name = "not a person" },
              .with { $0.subjectCode = "330106198807070016"; $0.name = "bad check" },
            ]
          })
        #expect(response.results.map(\.accepted) == [true, false, false])
        #expect(response.results[1].error.contains("organisation"))
        #expect(response.results[2].error.contains("subjects[2].subject_code"))
      }
      let submission = Creditgate_V1_RecordSubmission.with {
        $0.providerRecordID = "(2026)浙0106执9999号"
        $0.subjectCode = newPerson
        $0.category = "dishonest-judgment-debtor"
        $0.severity = .serious
        $0.title = "拒不履行"
        $0.documentNumber = "(2026)浙0106执9999号"
        $0.actDate = "2026-01-05"
        $0.decidedOn = "2026-02-01"
      }
      try await gateway.connection(as: "demo-court").withClient { client in
        let records = Creditgate_V1_CreditRecords.Client(wrapping: client)
        var tooLong = submission
        tooLong.providerRecordID = "too-long"
        tooLong.disclosureUntil = "2030-01-01"
        var notTheirs = submission
        notTheirs.providerRecordID = "tax"
        notTheirs.category = "tax-arrears"
        let first = try await records.submitRecords(.with { $0.records = [submission, tooLong, notTheirs] })
        #expect(first.results.map(\.accepted) == [true, false, false])
        #expect(first.results[1].error.contains("disclosure_until"))
        #expect(first.results[2].error.contains("category"))
        #expect(first.results[0].version == 1)

        let again = try await records.submitRecords(.with { $0.records = [submission] })
        #expect(again.results[0].recordID == first.results[0].recordID)
        #expect(again.results[0].version == 1)

        var corrected = submission
        corrected.title = "拒不履行生效判决"
        let third = try await records.submitRecords(.with { $0.records = [corrected] })
        #expect(third.results[0].recordID == first.results[0].recordID)
        #expect(third.results[0].version == 2)

        let empty = try await #require(throws: RPCError.self) {
          try await records.submitRecords(.with { $0.records = [] })
        }
        #expect(empty.code == .invalidArgument)
        #expect(empty.message.contains("records"))
      }
      let stored = try await gateway.gateway.store.records(subjectCode: newPerson)
      #expect(stored.count == 1)
      #expect(stored.first?.content.title == "拒不履行生效判决")
      #expect(stored.first?.content.disclosureUntil == LocalDate(iso: "2029-01-31"))
    }
  }

  @Test("an early organisation code is accepted with a warning, never silently")
  func earlyOrganisationCode() async throws {
    // 91330106MA2B00001Y with a check character that fails GB 32100's MOD 31.
    let early = "91330106MA2B00001A"
    try await TestGateway.withRunning { gateway in
      let results = try await gateway.connection(as: "demo-data-platform").withClient { client in
        let records = Creditgate_V1_CreditRecords.Client(wrapping: client)
        let registered = try await records.registerSubjects(
          .with { $0.subjects = [.with { $0.subjectCode = early; $0.name = "早期登记企业" }] })
        let submitted = try await records.submitRecords(
          .with {
            $0.records = [
              .with {
                $0.providerRecordID = "early-1"
                $0.subjectCode = early
                $0.category = "admin-penalty"
                $0.severity = .general
                $0.title = "罚款"
                $0.actDate = "2026-01-02"
                $0.decidedOn = "2026-01-05"
              }
            ]
          })
        return (registered.results[0], submitted.results[0])
      }
      #expect(results.0.accepted && results.0.warnings == [SubjectCode.earlyOrganisationCodeWarning])
      #expect(results.1.accepted && results.1.warnings == [SubjectCode.earlyOrganisationCodeWarning])

      let (profile, trailers) = try await gateway.connection(as: "demo-hr-bureau").withClient { client in
        try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
          .with {
            $0.subjectCode = early
            $0.purpose = "admin-licensing"
          }, metadata: Self.operatorMetadata
        ) { response in (try response.message, response.trailingMetadata) }
      }
      #expect(profile.subject.warnings == [SubjectCode.earlyOrganisationCodeWarning])
      #expect(Array(trailers[stringValues: "x-warning"]) == [SubjectCode.earlyOrganisationCodeWarning])
      #expect(Array(trailers[stringValues: "x-query-id"]) == [String(profile.queryID)])
    }
  }

  @Test("when the audit log cannot be written, the call fails UNAVAILABLE and discloses nothing")
  func failClosed() async throws {
    let auditLog = TestStore()
    try await TestGateway.withRunning(store: auditLog) { gateway in
      let request = Creditgate_V1_GetProfileRequest.with {
        $0.subjectCode = Self.liNa
        $0.purpose = "civil-servant-recruitment"
      }
      let connection = gateway.connection(as: "demo-hr-bureau")
      auditLog.setFailing(true)
      let error = try await #require(throws: RPCError.self) {
        try await connection.withClient { client in
          try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
            request, metadata: Self.operatorMetadata)
        }
      }
      #expect(error.code == .unavailable)
      #expect(!error.message.contains("李娜"))
      #expect(error.metadata[stringValues: "x-query-id"].first(where: { _ in true }) == nil)
      #expect(try await auditLog.size(origin: gateway.gateway.auditOrigin) == 0)

      auditLog.setFailing(false)
      let response = try await connection.withClient { client in
        try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
          request, metadata: Self.operatorMetadata)
      }
      #expect(response.queryID == 1)
    }
  }

  @Test("the privacy office searches the log by institution, method, outcome, subject and time")
  func searchAuditLog() async throws {
    try await TestGateway.withRunning { gateway in
      let hr = gateway.connection(as: "demo-hr-bureau")
      try await hr.withClient { client in
        let query = Creditgate_V1_CreditQuery.Client(wrapping: client)
        _ = try await query.getProfile(
          .with { $0.subjectCode = Self.liNa; $0.purpose = "civil-servant-recruitment" },
          metadata: Self.operatorMetadata)
        _ = try? await query.getProfile(
          .with { $0.subjectCode = "123"; $0.purpose = "civil-servant-recruitment" },
          metadata: Self.operatorMetadata)
        _ = try await query.verifyIdentity(
          .with { $0.subjectCode = Self.zhangWei; $0.name = "张伟"; $0.purpose = "admin-licensing" },
          metadata: Self.operatorMetadata)
      }
      func search(_ configure: (inout Creditgate_V1_SearchAuditLogRequest) -> Void) async throws -> [UInt64] {
        var request = Creditgate_V1_SearchAuditLogRequest()
        configure(&request)
        return try await gateway.connection(as: "demo-privacy-office").withClient { client in
          try await Creditgate_V1_Oversight.Client(wrapping: client).searchAuditLog(request) { response in
            var sequences: [UInt64] = []
            for try await entry in response.messages { sequences.append(entry.sequence) }
            return sequences
          }
        }
      }
      #expect(try await search { $0.institutionID = "demo-hr-bureau" } == [1, 2, 3])
      #expect(try await search { $0.method = "VerifyIdentity" } == [3])
      #expect(try await search { $0.outcome = "INVALID" } == [2])
      #expect(try await search { $0.subjectCode = Self.liNa } == [1])
      #expect(try await search { $0.until = .init(date: Date(timeIntervalSince1970: 0)) } == [])
      // Searches are audited too: the three searches above are entries 4, 5, 6 ...
      #expect(try await search { $0.institutionID = "demo-privacy-office"; $0.limit = 2 } == [4, 5])

      let refused = try await #require(throws: RPCError.self) {
        try await gateway.connection(as: "demo-hr-bureau").withClient { client in
          try await Creditgate_V1_Oversight.Client(wrapping: client).searchAuditLog(.init()) { response in
            for try await _ in response.messages {}
          }
        }
      }
      #expect(refused.code == .permissionDenied)
      let badOutcome = try await #require(throws: RPCError.self) { try await search { $0.outcome = "MAYBE" } }
      #expect(badOutcome.code == .invalidArgument)
      #expect(badOutcome.message.contains("outcome"))
    }
  }

  @Test("the health service answers SERVING and is not audited")
  func health() async throws {
    try await TestGateway.withRunning { gateway in
      let status = try await gateway.connection(as: "demo-bank").withClient { client in
        try await Grpc_Health_V1_Health.Client(wrapping: client).check(.with { $0.service = "" }).status
      }
      #expect(status == .serving)
      #expect(try await gateway.auditEntries().isEmpty)
    }
  }
}
