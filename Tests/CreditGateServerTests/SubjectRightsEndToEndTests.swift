import CreditGateClient
import CreditGateCore
import CreditGateProtos
import CreditGateServer
import CreditGateTestKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Synchronization
import Testing

/// The person's rights through the portal, end to end over mutual TLS (DESIGN §8, §9): their
/// own report, objections, repair, who accessed their data (verified offline), and the
/// credit office's decisions.
@Suite("Subject rights over mutual TLS")
struct SubjectRightsEndToEndTests {
  /// 陈静: in the demo data with one minor penalty past its disclosure period.
  static let chenJing = "330106199208080080"
  static let session: Metadata = ["x-operator-id": "portal-session-7f3a"]
  static let officer: Metadata = ["x-operator-id": "officer-3"]
  static let day: TimeInterval = 86_400

  /// A clock the test moves forward.
  final class Clock: Sendable {
    private let offset = Mutex<TimeInterval>(0)
    func advance(days: Double) { offset.withLock { $0 += days * SubjectRightsEndToEndTests.day } }
    var now: Date { Date().addingTimeInterval(offset.withLock { $0 }) }
  }

  static func withGateway<Result: Sendable>(
    clock: Clock = Clock(), _ body: (TestGateway) async throws -> Result
  ) async throws -> Result {
    try await TestGateway.withRunning(clock: { clock.now }, body)
  }

  // MARK: Calls

  static func rights<Result: Sendable>(
    _ gateway: TestGateway, metadata: Metadata = session,
    _ body: (Creditgate_V1_SubjectRights.Client<HTTP2ClientTransport.Posix>, Metadata) async throws -> Result
  ) async throws -> Result {
    try await gateway.connection(as: "demo-portal").withClient { client in
      try await body(Creditgate_V1_SubjectRights.Client(wrapping: client), metadata)
    }
  }

  static func oversight<Result: Sendable>(
    _ gateway: TestGateway, as institution: String = "demo-credit-office",
    _ body: (Creditgate_V1_Oversight.Client<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    try await gateway.connection(as: institution).withClient { client in
      try await body(Creditgate_V1_Oversight.Client(wrapping: client))
    }
  }

  /// Submits records for 陈静 as the court; returns their gateway ids in order.
  static func submit(_ gateway: TestGateway, _ records: [Creditgate_V1_RecordSubmission]) async throws -> [String] {
    let response = try await gateway.connection(as: "demo-court").withClient { client in
      try await Creditgate_V1_CreditRecords.Client(wrapping: client).submitRecords(.with { $0.records = records })
    }
    #expect(response.results.allSatisfy { $0.accepted }, "\(response.results.map(\.error))")
    return response.results.map(\.recordID)
  }

  static func judgment(_ id: String, _ severity: Creditgate_V1_Severity, decidedDaysAgo: Int, today: LocalDate)
    -> Creditgate_V1_RecordSubmission
  {
    .with {
      $0.providerRecordID = id
      $0.subjectCode = chenJing
      $0.category = "dishonest-judgment-debtor"
      $0.severity = severity
      $0.title = "拒不履行生效判决"
      $0.documentNumber = "(2026)浙0106执\(id)号"
      $0.actDate = today.adding(days: -decidedDaysAgo - 20).iso
      $0.decidedOn = today.adding(days: -decidedDaysAgo).iso
    }
  }

  static func grantConsent(_ gateway: TestGateway, now: Date) async throws -> String {
    try await gateway.connection(as: "demo-portal").withClient { client in
      try await Creditgate_V1_Consents.Client(wrapping: client).grantConsent(
        .with {
          $0.subjectCode = chenJing
          $0.granteeInstitutionID = "demo-bank"
          $0.purpose = "commercial-loan"
          $0.validUntil = .init(date: now.addingTimeInterval(30 * day))
        }, metadata: session)
    }.consentID
  }

  static func bankProfile(_ gateway: TestGateway, consentID: String) async throws -> Creditgate_V1_GetProfileResponse {
    try await gateway.connection(as: "demo-bank").withClient { client in
      try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
        .with {
          $0.subjectCode = chenJing
          $0.purpose = "commercial-loan"
          $0.consentID = consentID
        }, metadata: ["x-operator-id": "loan-officer-12"])
    }
  }

  static func decide(_ gateway: TestGateway, _ caseID: String, upheld: Bool, reason: String = "经核实") async throws
    -> Creditgate_V1_Case
  {
    try await oversight(gateway) { client in
      try await client.decideCase(
        .with {
          $0.caseID = caseID
          $0.upheld = upheld
          $0.reason = reason
        }, metadata: officer)
    }.case
  }

  static func entry(_ gateway: TestGateway, of error: RPCError) async throws -> AuditEntry {
    let queryID = try #require(error.metadata[stringValues: "x-query-id"].first(where: { _ in true }))
    return try #require(try await gateway.auditEntries().first { String($0.sequence) == queryID })
  }

  // MARK: The walkthrough

  @Test("object → flagged in a bank's query → upheld → gone; repair refused early → accepted later → approved → grade and list recomputed")
  func walkthrough() async throws {
    let clock = Clock()
    try await Self.withGateway(clock: clock) { gateway in
      let today = gateway.gateway.today
      // A general judgment record to object to; a serious one, decided 360 days ago, to repair:
      // the category's minimum disclosure period for serious records is 365 days.
      let ids = try await Self.submit(
        gateway,
        [
          Self.judgment("obj-1", .general, decidedDaysAgo: 30, today: today),
          Self.judgment("rep-1", .serious, decidedDaysAgo: 360, today: today),
        ])
      let (objected, repaired) = (ids[0], ids[1])
      let consent = try await Self.grantConsent(gateway, now: clock.now)

      // Object: the record is flagged at once in the bank's consented query.
      let objection = try await Self.rights(gateway) { client, metadata in
        try await client.fileObjection(
          .with {
            $0.subjectCode = Self.chenJing
            $0.recordID = objected
            $0.statement = "该案已于立案前履行完毕"
          }, metadata: metadata)
      }
      #expect(objection.caseID.hasPrefix("case-"))
      let due = try #require(LocalDate(iso: objection.decideBy))
      #expect(due == gateway.gateway.calendar.deadline(after: today, workingDays: 5).date)
      let flagged = try await Self.bankProfile(gateway, consentID: consent)
      let shown = try #require(flagged.records.first { $0.recordID == objected })
      #expect(shown.disputed && shown.status == .disputed)
      #expect(flagged.records.first { $0.recordID == repaired }?.disputed == false)

      // The credit office lists it — nothing in the list identifies her — opens it with its
      // record and her statement (a call about her, in her access log), and upholds it: gone.
      let open = try await Self.oversight(gateway) { client in
        try await client.listCases(.with { $0.status = "OPEN" }, metadata: Self.officer).cases
      }
      let listed = try #require(open.first { $0.caseID == objection.caseID })
      #expect(listed.kind == "OBJECTION" && listed.decideBy == objection.decideBy && listed.recordID == objected)
      #expect(listed.filedQueryID == objection.queryID)
      #expect(!listed.hasRecord && listed.statement.isEmpty)
      let (opened, trailers) = try await gateway.connection(as: "demo-credit-office").withClient { client in
        try await Creditgate_V1_Oversight.Client(wrapping: client).getCase(
          .with { $0.caseID = objection.caseID }, metadata: Self.officer
        ) { response in (try response.message, response.trailingMetadata) }
      }
      #expect(opened.record.recordID == objected && opened.record.subjectCode == Self.chenJing)
      #expect(opened.statement == "该案已于立案前履行完毕")
      let openedID = try #require(trailers[stringValues: "x-query-id"].first(where: { _ in true }))
      let upheld = try await Self.decide(gateway, objection.caseID, upheld: true)
      #expect(upheld.status == "UPHELD" && upheld.decidedBy == "demo-credit-office")
      let afterObjection = try await Self.bankProfile(gateway, consentID: consent)
      #expect(!afterObjection.records.contains { $0.recordID == objected })
      #expect(afterObjection.lists.contains { $0.list == "serious-dishonesty" && $0.recordIds == [repaired] })

      // Repair too early: refused, with the date it becomes possible.
      let applyForRepair: @Sendable () async throws -> Creditgate_V1_ApplyForRepairResponse = {
        try await Self.rights(gateway) { client, metadata in
          try await client.applyForRepair(
            .with {
              $0.subjectCode = Self.chenJing
              $0.recordID = repaired
              $0.statement = "已全部履行并取得申请执行人谅解"
            }, metadata: metadata)
        }
      }
      let early = try await #require(throws: RPCError.self) { _ = try await applyForRepair() }
      #expect(early.code == .failedPrecondition)
      let from = today.adding(days: -360).adding(days: 365)
      #expect(early.message.contains(from.iso), "\(early.message)")
      #expect(try await Self.entry(gateway, of: early).outcome == .failed)

      // Six days later it is accepted, and approved: grade and list membership recomputed.
      clock.advance(days: 6)
      let before = try await Self.bankProfile(gateway, consentID: consent)
      let application = try await applyForRepair()
      #expect(!application.decideBy.isEmpty)
      let approved = try await Self.decide(gateway, application.caseID, upheld: true, reason: "已纠正失信行为")
      #expect(approved.status == "APPROVED")
      let after = try await Self.bankProfile(gateway, consentID: consent)
      #expect(!after.records.contains { $0.recordID == repaired })
      #expect(!after.lists.contains { $0.list == "serious-dishonesty" })
      #expect(before.lists.contains { $0.list == "serious-dishonesty" })
      #expect(after.evaluation.total > before.evaluation.total, "\(before.evaluation.total) → \(after.evaluation.total)")
      #expect((before.evaluation.grade, after.evaluation.grade) == ("B", "A"))

      // The person's own report still shows both, marked with why.
      let report = try await Self.rights(gateway) { client, metadata in
        try await client.getOwnReport(.with { $0.subjectCode = Self.chenJing }, metadata: metadata)
      }
      let standings = Dictionary(uniqueKeysWithValues: report.standings.map { ($0.recordID, $0) })
      #expect(standings[objected]?.notDisclosedReason == "an objection against it was upheld")
      #expect(standings[repaired]?.notDisclosedReason == "repaired")
      #expect(report.records.first { $0.recordID == repaired }?.status == .repaired)
      #expect(!report.lists.contains { $0.list == "serious-dishonesty" })
      #expect(report.evaluation.total == after.evaluation.total)
      #expect(Set(report.cases.map(\.status)) == ["UPHELD", "APPROVED"])
      #expect(report.queriedBy.contains { $0.institutionID == "demo-bank" && $0.answered >= 4 })
      #expect(report.consents.map(\.consentID) == [consent])
      // The credit office opening her case is in her access log; its list of cases is not.
      let log = try await Self.rights(gateway) { client, metadata in
        try await client.listAccessLog(.with { $0.subjectCode = Self.chenJing }, metadata: metadata)
      }
      #expect(log.entries.contains { String($0.sequence) == openedID && $0.method == "/creditgate.v1.Oversight/GetCase" })
      #expect(!log.entries.contains { $0.method == "/creditgate.v1.Oversight/ListCases" })
      // The demo's minor penalty, past its period: shown to her, not to others, with its end.
      let minor = try #require(report.records.first { $0.category == "admin-penalty" })
      #expect(standings[minor.recordID]?.notDisclosedReason.hasPrefix("its disclosure period ended on") == true)
      #expect(standings[minor.recordID]?.disclosedUntil == minor.disclosureUntil)
    }
  }

  @Test("eight objections racing on one record: exactly one opens a case, the others are refused and audited")
  func racingObjections() async throws {
    try await Self.withGateway { gateway in
      let ids = try await Self.submit(gateway, [Self.judgment("race-1", .general, decidedDaysAgo: 30, today: gateway.gateway.today)])
      let outcomes = try await withThrowingTaskGroup(of: Result<String, RPCError>.self) { group in
        for index in 0..<8 {
          group.addTask {
            do {
              let filed = try await Self.rights(gateway) { client, metadata in
                try await client.fileObjection(
                  .with {
                    $0.subjectCode = Self.chenJing
                    $0.recordID = ids[0]
                    $0.statement = "第\(index)次异议"
                  }, metadata: metadata)
              }
              return .success(filed.caseID)
            } catch let error as RPCError {
              return .failure(error)
            }
          }
        }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      let opened = outcomes.compactMap { try? $0.get() }
      let refused = outcomes.compactMap { if case .failure(let error) = $0 { error } else { nil } }
      #expect(opened.count == 1)
      #expect(refused.count == 7 && refused.allSatisfy { $0.code == .failedPrecondition })
      let cases = try await gateway.gateway.store.cases(subjectCode: Self.chenJing)
      #expect(cases.map(\.id) == opened)
      let entries = try await gateway.auditEntries().filter { $0.method.hasSuffix("/FileObjection") }
      #expect(entries.count == 8 && entries.filter { $0.outcome == .failed }.count == 7)
    }
  }

  @Test("a portal call without x-operator-id is refused and audited; with one, the entry names the session")
  func portalOperator() async throws {
    try await Self.withGateway { gateway in
      let refused = try await #require(throws: RPCError.self) {
        try await Self.rights(gateway, metadata: [:]) { client, metadata in
          try await client.getOwnReport(.with { $0.subjectCode = Self.chenJing }, metadata: metadata)
        }
      }
      #expect(refused.code == .invalidArgument && refused.message.contains("x-operator-id"))
      let entry = try await Self.entry(gateway, of: refused)
      #expect(entry.outcome == .invalid && entry.institutionID == "demo-portal")
      #expect(entry.method == "/creditgate.v1.SubjectRights/GetOwnReport")
      // Refused before its handler read the request, it is still about her: in her access log.
      #expect(entry.subjectPseudonym == gateway.gateway.pseudonymizer.pseudonym(Self.chenJing))

      let consents = try await #require(throws: RPCError.self) {
        _ = try await gateway.connection(as: "demo-portal").withClient { client in
          try await Creditgate_V1_Consents.Client(wrapping: client).listConsents(.with { $0.subjectCode = Self.chenJing })
        }
      }
      #expect(consents.code == .invalidArgument && consents.message.contains("x-operator-id"))

      let answered = try await Self.rights(gateway) { client, metadata in
        try await client.getOwnReport(.with { $0.subjectCode = Self.chenJing }, metadata: metadata)
      }
      let recorded = try #require(try await gateway.auditEntries().first { $0.sequence == answered.queryID })
      #expect(recorded.operatorID == "portal-session-7f3a" && recorded.outcome == .answered)
    }
  }

  @Test("a provider revokes its own record, gone from queries at once; another provider's is refused and audited")
  func revocation() async throws {
    try await Self.withGateway { gateway in
      let today = gateway.gateway.today
      let ids = try await Self.submit(gateway, [Self.judgment("rev-1", .serious, decidedDaysAgo: 10, today: today)])
      let revoke: @Sendable (String, Creditgate_V1_RevokeRecordRequest) async throws -> Creditgate_V1_RevokeRecordResponse = {
        institution, request in
        try await gateway.connection(as: institution).withClient { client in
          try await Creditgate_V1_CreditRecords.Client(wrapping: client).revokeRecord(request)
        }
      }
      let foreign = try await #require(throws: RPCError.self) {
        _ = try await revoke("demo-data-platform", .with {
          $0.recordID = ids[0]
          $0.reason = "误报"
        })
      }
      #expect(foreign.code == .permissionDenied && foreign.message.contains("another provider"))
      let entry = try await Self.entry(gateway, of: foreign)
      #expect(entry.outcome == .denied && entry.institutionID == "demo-data-platform")
      #expect(entry.subjectPseudonym == gateway.gateway.pseudonymizer.pseudonym(Self.chenJing))

      let statutory: @Sendable () async throws -> Creditgate_V1_GetProfileResponse = {
        try await gateway.connection(as: "demo-hr-bureau").withClient { client in
          try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
            .with {
              $0.subjectCode = Self.chenJing
              $0.purpose = "civil-servant-recruitment"
            }, metadata: ["x-operator-id": "hr-1"])
        }
      }
      #expect(try await statutory().records.map(\.recordID) == ids)
      let revoked = try await revoke("demo-court", .with {
        $0.providerRecordID = "rev-1"
        $0.reason = "原判决已被撤销"
      })
      #expect(revoked.recordID == ids[0])
      let after = try await statutory()
      #expect(after.records.isEmpty && after.lists.isEmpty && after.measures.isEmpty)
      let report = try await Self.rights(gateway) { client, metadata in
        try await client.getOwnReport(.with { $0.subjectCode = Self.chenJing }, metadata: metadata)
      }
      #expect(report.standings.first { $0.recordID == ids[0] }?.notDisclosedReason == "revoked by its provider")
    }
  }

  // MARK: The access log

  @Test("the access log shows every call about the person, whoever made it, and verifies offline; one left out shows")
  func accessLog() async throws {
    try await Self.withGateway { gateway in
      let consent = try await Self.grantConsent(gateway, now: Date())
      _ = try await Self.bankProfile(gateway, consentID: consent)
      // A bank listing its consents about her, and an officer searching the log for her.
      _ = try await gateway.connection(as: "demo-bank").withClient { client in
        try await Creditgate_V1_Consents.Client(wrapping: client).listConsents(.with { $0.subjectCode = Self.chenJing })
      }
      _ = try await Self.oversight(gateway, as: "demo-privacy-office") { client in
        try await client.searchAuditLog(.with { $0.subjectCode = Self.chenJing }, metadata: Self.officer) { response in
          for try await _ in response.messages {}
        }
      }
      let log = try await Self.rights(gateway) { client, metadata in
        try await client.listAccessLog(.with { $0.subjectCode = Self.chenJing }, metadata: metadata)
      }
      let methods = log.entries.map(\.method)
      #expect(
        methods == [
          "/creditgate.v1.Consents/GrantConsent", "/creditgate.v1.CreditQuery/GetProfile",
          "/creditgate.v1.Consents/ListConsents", "/creditgate.v1.Oversight/SearchAuditLog",
        ])
      #expect(log.entries.map(\.institutionID) == ["demo-portal", "demo-bank", "demo-bank", "demo-privacy-office"])

      let verifier = try NoteVerifier(
        vkey: AuditLogEndToEndTests.verifierKey(
          origin: gateway.gateway.auditOrigin, data: gateway.directory.appending(path: "data")))
      let report = try AccessLogVerification.verify(log, verifier: verifier)
      #expect(report.problems.isEmpty, "\(report.problems)")
      #expect(report.entries == 4 && report.checkpoint.size == log.checkpoint.treeSize)

      // Left out: the list no longer links up.
      var omitted = log
      omitted.entries.remove(at: 2)
      let gap = try AccessLogVerification.verify(omitted, verifier: verifier).problems
      #expect(gap.count == 1 && gap[0].contains("left out"), "\(gap)")
      var headless = log
      headless.entries.removeFirst()
      #expect(try AccessLogVerification.verify(headless, verifier: verifier).problems.first?.contains("left out") == true)
      // Altered: the leaf no longer leads to the signed root.
      var altered = log
      altered.entries[1].entry.purpose = "online-shopping"
      altered.entries[1].purpose = "online-shopping"
      let broken = try AccessLogVerification.verify(altered, verifier: verifier).problems
      #expect(broken.count == 1 && broken[0].hasPrefix("entry \(log.entries[1].sequence)") && broken[0].contains("inclusion proof"))
      // Signed by another key: refused outright.
      let stranger = try NoteSigner(name: gateway.gateway.auditOrigin, privateKeyRaw: Array(repeating: 9, count: 32))
      #expect(throws: (any Error).self) {
        _ = try AccessLogVerification.verify(log, verifier: try NoteVerifier(vkey: stranger.publicVerifierKey))
      }

      // The next list includes the previous list's own call, linked after the last entry.
      let next = try await Self.rights(gateway) { client, metadata in
        try await client.listAccessLog(.with { $0.subjectCode = Self.chenJing }, metadata: metadata)
      }
      let own = try #require(next.entries.last)
      #expect(own.entry.sequence == log.queryID && own.entry.previousSubjectSequence == log.entries[3].sequence)
      #expect(try AccessLogVerification.verify(next, verifier: verifier).problems.isEmpty)
    }
  }

  @Test("an undecided case past its deadline is listed first and is an anomaly the privacy office sees")
  func overdue() async throws {
    let clock = Clock()
    try await Self.withGateway(clock: clock) { gateway in
      let ids = try await Self.submit(
        gateway, [Self.judgment("late-1", .general, decidedDaysAgo: 30, today: gateway.gateway.today)])
      let filed = try await Self.rights(gateway) { client, metadata in
        try await client.fileObjection(
          .with {
            $0.subjectCode = Self.chenJing
            $0.recordID = ids[0]
            $0.statement = "不是本人"
          }, metadata: metadata)
      }
      clock.advance(days: 15)
      let cases = try await Self.oversight(gateway, as: "demo-privacy-office") { client in
        try await client.listCases(.init(), metadata: Self.officer).cases
      }
      #expect(cases.first?.caseID == filed.caseID && cases.first?.overdue == true)
      #expect(cases.first?.hasRecord == false, "the privacy office does not decide: no record")
      let anomalies = try await Self.oversight(gateway, as: "demo-privacy-office") { client in
        try await client.listAnomalies(.init(), metadata: Self.officer).anomalies
      }
      let overdue = try #require(anomalies.first { $0.rule == AnomalyDetector.overdueCaseRule })
      #expect(overdue.description_p.contains(filed.caseID) && overdue.sequences == [filed.queryID])
    }
  }
}
