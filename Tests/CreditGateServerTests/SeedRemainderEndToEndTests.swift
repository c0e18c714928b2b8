import CreditGateClient
import CreditGateCore
import CreditGateProtos
import CreditGateServer
import CreditGateTestKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Testing

/// Suspensions, public disclosure, complaints and repair by good deeds, over mutual TLS.
@Suite("Suspensions, disclosure, complaints, good deeds over mutual TLS")
struct SeedRemainderEndToEndTests {
  typealias Clock = SubjectRightsEndToEndTests.Clock
  static let officer: Metadata = ["x-operator-id": "officer-3"]
  static let session = SubjectRightsEndToEndTests.session
  static let zhangWei = "33010619900101123X"
  static let liNa = "330102198506150040"
  static let government = "11330100MB0000012X"

  static func oversight<Result: Sendable>(
    _ gateway: TestGateway, as institution: String = "demo-credit-office",
    _ body: (Creditgate_V1_Oversight.Client<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    try await gateway.connection(as: institution).withClient { client in
      try await body(Creditgate_V1_Oversight.Client(wrapping: client))
    }
  }

  static func rights<Result: Sendable>(
    _ gateway: TestGateway,
    _ body: (Creditgate_V1_SubjectRights.Client<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    try await gateway.connection(as: "demo-portal").withClient { client in
      try await body(Creditgate_V1_SubjectRights.Client(wrapping: client))
    }
  }

  /// A statutory query by the HR bureau, as `operatorID`.
  static func hrQuery(_ gateway: TestGateway, operatorID: String = "hr-7") async throws -> Creditgate_V1_GetProfileResponse {
    try await gateway.connection(as: "demo-hr-bureau").withClient { client in
      try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
        .with {
          $0.subjectCode = liNa
          $0.purpose = "civil-servant-recruitment"
        }, metadata: ["x-operator-id": .string(operatorID)])
    }
  }

  static func suspend(
    _ gateway: TestGateway, _ change: (inout Creditgate_V1_SuspendInstitutionRequest) -> Void
  ) async throws -> Creditgate_V1_Suspension {
    var request = Creditgate_V1_SuspendInstitutionRequest.with {
      $0.institutionID = "demo-hr-bureau"
      $0.reason = "超出法定用途批量查询"
    }
    change(&request)
    return try await oversight(gateway) { try await $0.suspendInstitution(request, metadata: officer) }
  }

  // MARK: Suspensions

  @Test("a suspended institution is refused on its next call, audited, until lifted; the suspension survives a restart")
  func suspension() async throws {
    let folder = TemporaryDirectory()
    defer { folder.remove() }
    let suspended = try await TestGateway.withRunning(reusing: folder) { gateway in
      _ = try await Self.hrQuery(gateway)
      let suspension = try await Self.suspend(gateway) { _ in }
      #expect(suspension.active && suspension.suspendedBy == "demo-credit-office" && suspension.operatorID.isEmpty)
      let refused = try await #require(throws: RPCError.self) { _ = try await Self.hrQuery(gateway) }
      #expect(refused.code == .permissionDenied && refused.message.contains(suspension.suspensionID))
      let entry = try await SubjectRightsEndToEndTests.entry(gateway, of: refused)
      #expect(entry.outcome == .denied && entry.institutionID == "demo-hr-bureau")
      // Every call, not only queries.
      let lists = try await #require(throws: RPCError.self) {
        _ = try await Self.oversight(gateway, as: "demo-hr-bureau") { try await $0.getPublishedLists(.init()) }
      }
      #expect(lists.code == .permissionDenied)
      return suspension.suspensionID
    }
    // Restarted on the same database: still suspended, until lifted.
    try await TestGateway.withRunning(reusing: folder) { gateway in
      let refused = try await #require(throws: RPCError.self) { _ = try await Self.hrQuery(gateway) }
      #expect(refused.code == .permissionDenied && refused.message.contains(suspended))
      let lifted = try await Self.oversight(gateway) {
        try await $0.liftSuspension(
          .with {
            $0.suspensionID = suspended
            $0.reason = "已整改"
          }, metadata: Self.officer)
      }
      #expect(lifted.lifted && !lifted.active && lifted.liftReason == "已整改")
      #expect(try await Self.hrQuery(gateway).records.count == 2, "let in on its next call")
      let again = try await #require(throws: RPCError.self) {
        _ = try await Self.oversight(gateway) {
          try await $0.liftSuspension(
            .with {
              $0.suspensionID = suspended
              $0.reason = "again"
            }, metadata: Self.officer)
        }
      }
      #expect(again.code == .failedPrecondition)
      // The history, for privacy officers.
      let history = try await Self.oversight(gateway, as: "demo-privacy-office") {
        try await $0.listSuspensions(.init(), metadata: Self.officer).suspensions
      }
      #expect(history.map(\.suspensionID) == [suspended] && history.first?.lifted == true)
      let active = try await Self.oversight(gateway, as: "demo-privacy-office") {
        try await $0.listSuspensions(.with { $0.activeOnly = true }, metadata: Self.officer).suspensions
      }
      #expect(active.isEmpty)
    }
  }

  @Test("one operator suspended: that operator refused, another of the same institution let in")
  func operatorSuspension() async throws {
    try await TestGateway.withRunning { gateway in
      _ = try await Self.suspend(gateway) { $0.operatorID = "hr-7" }
      let refused = try await #require(throws: RPCError.self) { _ = try await Self.hrQuery(gateway, operatorID: "hr-7") }
      #expect(refused.code == .permissionDenied && refused.message.contains("operator hr-7"))
      #expect(try await Self.hrQuery(gateway, operatorID: "hr-8").records.count == 2)
    }
  }

  @Test("an anomaly becomes a suspension in one step, citing the anomaly and its entries")
  func suspensionFromAnomaly() async throws {
    try await TestGateway.withRunning { gateway in
      // Identity probing: five mismatches.
      var sequences: [UInt64] = []
      for index in 0..<5 {
        let answer = try await gateway.connection(as: "demo-hr-bureau").withClient { client in
          try await Creditgate_V1_CreditQuery.Client(wrapping: client).verifyIdentity(
            .with {
              $0.subjectCode = Self.liNa
              $0.name = "王\(index)"
              $0.purpose = "civil-servant-recruitment"
            }, metadata: ["x-operator-id": "hr-9"])
        }
        #expect(answer.result == .mismatch)
        sequences.append(answer.queryID)
      }
      let missing = try await #require(throws: RPCError.self) {
        _ = try await Self.suspend(gateway) { $0.anomalyRule = "odd-hours-burst" }
      }
      #expect(missing.code == .notFound)
      let suspension = try await Self.suspend(gateway) { $0.anomalyRule = "identity-probing" }
      #expect(suspension.anomalyRule == "identity-probing" && suspension.anomalySequences == sequences)
      #expect(!suspension.anomalyDescription.isEmpty)
      #expect(try await #require(throws: RPCError.self) { _ = try await Self.hrQuery(gateway) }.code == .permissionDenied)
    }
  }

  // MARK: Public disclosure

  static func disclosures(
    _ gateway: TestGateway, _ change: (inout Creditgate_V1_ListDisclosuresRequest) -> Void = { _ in }
  ) async throws -> Creditgate_V1_ListDisclosuresResponse {
    var request = Creditgate_V1_ListDisclosuresRequest()
    change(&request)
    return try await rights(gateway) { try await $0.listDisclosures(request, metadata: session) }
  }

  @Test("the serious-dishonesty list in public: masked, a record inside its period and not after it; paging neither repeats nor skips")
  func disclosure() async throws {
    let clock = Clock()
    try await TestGateway.withRunning(clock: { clock.now }) { gateway in
      let today = gateway.gateway.today
      // Three more persons on the list, by a serious judgment each, disclosed for the shortest
      // period a serious record may have. 王芳's judgment names her in its title.
      let codes = ["330106199208080080", "330203197803025518", Self.zhangWei]
      let submissions = codes.enumerated().map { index, code in
        var submission = SubjectRightsEndToEndTests.judgment("pub-\(index)", .serious, decidedDaysAgo: 30, today: today)
        submission.subjectCode = code
        submission.disclosureUntil = today.adding(days: 335).iso
        if code == "330203197803025518" { submission.title = "王芳拒不履行判决（\(code)）" }
        return submission
      }
      _ = try await SubjectRightsEndToEndTests.submit(gateway, submissions)

      let all = try await Self.disclosures(gateway) { $0.pageSize = 100 }
      #expect(all.nextPageToken.isEmpty)
      // 李娜, the three above, and the government body (unmasked: a public body).
      #expect(all.entries.count == 5)
      let body = try #require(all.entries.first { $0.kind == .government })
      #expect(body.maskedCode == Self.government && body.maskedName == "示例市城市建设局")
      let liNa = try #require(all.entries.first { $0.maskedCode == "3301**********0040" })
      #expect(liNa.maskedName == "李*")
      #expect(Set(liNa.records.map(\.category)) == ["dishonest-judgment-debtor", "serious-tax-violation"])
      #expect(liNa.records.allSatisfy { $0.subjectCode == "3301**********0040" })
      let text = try all.jsonString()
      for code in [Self.liNa, Self.zhangWei] + codes { #expect(!text.contains(code), "no code in clear") }
      for name in ["李娜", "张伟", "王芳", "陈静"] { #expect(!text.contains(name), "no name in clear") }

      // Page by page, two at a time: the same entries, none twice.
      var paged: [String] = []
      var token = ""
      var pages = 0
      repeat {
        let page = try await Self.disclosures(gateway) {
          $0.pageSize = 2
          $0.pageToken = token
        }
        #expect(page.entries.count <= 2)
        paged += page.entries.map(\.maskedCode)
        token = page.nextPageToken
        pages += 1
      } while !token.isEmpty && pages < 10
      #expect(paged == all.entries.map(\.maskedCode))
      // A token serves only its own listing.
      let first = try await Self.disclosures(gateway) { $0.pageSize = 2 }
      let wrong = try await #require(throws: RPCError.self) {
        _ = try await Self.disclosures(gateway) {
          $0.pageToken = first.nextPageToken
          $0.region = "3301"
        }
      }
      #expect(wrong.code == .invalidArgument && wrong.message.hasPrefix("page_token"))
      // Filters: region, category.
      let hangzhou = try await Self.disclosures(gateway) {
        $0.region = "3301"
        $0.pageSize = 100
      }
      #expect(
        Set(hangzhou.entries.map(\.maskedCode))
          == ["3301**********0040", "3301**********0080", "3301**********123X", Self.government])
      let wangFang = try #require(all.entries.first { $0.maskedCode == "3302**********5518" })
      #expect(wangFang.records.map(\.title) == ["王*拒不履行判决（3302**********5518）"])
      let tax = try await Self.disclosures(gateway) { $0.category = "serious-tax-violation" }
      #expect(tax.entries.map(\.maskedCode) == ["3301**********0040"] && tax.entries[0].records.count == 1)

      // After the three judgments' disclosure period: gone from the list.
      clock.advance(days: 336)
      let later = try await Self.disclosures(gateway) { $0.pageSize = 100 }
      #expect(!later.entries.contains { $0.maskedCode.hasPrefix("3301") && $0.maskedCode.hasSuffix("0080") })
      #expect(later.entries.count == 2, "李娜 and the government body remain")

      // The red list: 张伟's honour, now that his judgment is no longer disclosed.
      let red = try await Self.disclosures(gateway) { $0.list = "red" }
      #expect(red.entries.map(\.maskedName) == ["张*"])
      #expect(red.entries.first?.records.map(\.category) == ["honour"])
    }
  }

  // MARK: Complaints

  @Test("a complaint becomes a case and, upheld, a record on the government body's profile and evaluation")
  func complaint() async throws {
    try await TestGateway.withRunning { gateway in
      let review: @Sendable () async throws -> Creditgate_V1_GetProfileResponse = {
        try await gateway.connection(as: "demo-hr-bureau").withClient { client in
          try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
            .with {
              $0.subjectCode = Self.government
              $0.purpose = "government-integrity-review"
            }, metadata: ["x-operator-id": "reviewer-1"])
        }
      }
      let before = try await review()
      let filed = try await Self.rights(gateway) {
        try await $0.fileComplaint(
          .with {
            $0.governmentCode = Self.government
            $0.category = "contract-breach"
            $0.description_p = "拖欠中标企业工程款逾期两年"
          }, metadata: Self.session)
      }
      #expect(filed.caseID.hasPrefix("case-") && !filed.decideBy.isEmpty)
      let notGovernment = try await #require(throws: RPCError.self) {
        _ = try await Self.rights(gateway) {
          try await $0.fileComplaint(
            .with {
              $0.governmentCode = Self.liNa
              $0.category = "contract-breach"
              $0.description_p = "x"
            }, metadata: Self.session)
        }
      }
      #expect(notGovernment.code == .invalidArgument && notGovernment.message.hasPrefix("government_code"))

      let listed = try await Self.oversight(gateway) { try await $0.listCases(.init(), metadata: Self.officer).cases }
      #expect(listed.contains { $0.caseID == filed.caseID && $0.kind == "COMPLAINT" && $0.status == "OPEN" })
      let decided = try await Self.oversight(gateway) {
        try await $0.decideCase(
          .with {
            $0.caseID = filed.caseID
            $0.upheld = true
            $0.reason = "经核查属实"
          }, metadata: Self.officer)
      }.case
      #expect(decided.status == "UPHELD" && !decided.recordID.isEmpty)

      let after = try await review()
      let record = try #require(after.records.first { $0.recordID == decided.recordID })
      #expect(record.category == "contract-breach" && record.providerInstitutionID == "demo-credit-office")
      #expect(after.evaluation.total < before.evaluation.total, "\(before.evaluation.total) → \(after.evaluation.total)")
    }
  }

  // MARK: Repair by good deeds

  @Test("a repair application citing volunteer service: accepted, and the credit office sees the cited record")
  func repairByGoodDeeds() async throws {
    try await TestGateway.withRunning { gateway in
      let today = gateway.gateway.today
      // 张伟 has volunteer service and an honour on record; a penalty decided 100 days ago.
      let ids = try await gateway.connection(as: "demo-data-platform").withClient { client in
        try await Creditgate_V1_CreditRecords.Client(wrapping: client).submitRecords(
          .with {
            $0.records = [
              .with {
                $0.providerRecordID = "penalty-gd-1"
                $0.subjectCode = Self.zhangWei
                $0.category = "admin-penalty"
                $0.severity = .general
                $0.title = "违规占道经营，罚款"
                $0.documentNumber = "杭城管罚〔2026〕901号"
                $0.actDate = today.adding(days: -110).iso
                $0.decidedOn = today.adding(days: -100).iso
              }
            ]
          })
      }.results.map(\.recordID)
      let report = try await Self.rights(gateway) {
        try await $0.getOwnReport(.with { $0.subjectCode = Self.zhangWei }, metadata: Self.session)
      }
      let volunteer = try #require(report.records.first { $0.category == "volunteer-service" }).recordID
      let honour = try #require(report.records.first { $0.category == "honour" }).recordID
      let apply: @Sendable ([String]) async throws -> Creditgate_V1_ApplyForRepairResponse = { grounds in
        try await Self.rights(gateway) {
          try await $0.applyForRepair(
            .with {
              $0.subjectCode = Self.zhangWei
              $0.recordID = ids[0]
              $0.statement = "已缴纳罚款，并参加志愿服务 320 小时"
              $0.groundRecordIds = grounds
            }, metadata: Self.session)
        }
      }
      let notCounted = try await #require(throws: RPCError.self) { _ = try await apply([honour]) }
      #expect(notCounted.code == .failedPrecondition && notCounted.message.contains("does not count"))
      let application = try await apply([volunteer])
      let opened = try await Self.oversight(gateway) {
        try await $0.getCase(.with { $0.caseID = application.caseID }, metadata: Self.officer)
      }
      #expect(opened.groundRecordIds == [volunteer])
      #expect(opened.grounds.map(\.recordID) == [volunteer] && opened.grounds[0].category == "volunteer-service")
      #expect(opened.record.recordID == ids[0])
    }
  }
}
