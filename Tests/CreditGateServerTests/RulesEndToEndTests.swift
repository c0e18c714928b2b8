import CreditGateCore
import CreditGateProtos
import CreditGateServer
import CreditGateTestKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Testing

/// The rules over a real mTLS socket, on the demo data set (DemoData: record dates relative to
/// today): derived lists, measures, evaluation and disclosure periods as a caller sees them.
@Suite("Rules over mutual TLS")
struct RulesEndToEndTests {
  static let operatorMetadata: Metadata = ["x-operator-id": "officer-rules-1"]
  static let liNa = "330102198506150040"  // serious dishonest-judgment-debtor, serious tax violation, general penalty
  static let zhangWei = "33010619900101123X"  // honour (190 days ago), volunteer service
  static let chenJing = "330106199208080080"  // minor penalty decided 400 days ago
  static let cityBureau = "11330100MB0000012X"  // serious judgment-nonperformance, general commitment-broken

  static let liNaCourtRecord = CreditRecord.recordID(provider: "demo-court", providerRecordID: "(2026)浙0106执1234号")
  static let liNaTaxRecord = CreditRecord.recordID(provider: "demo-data-platform", providerRecordID: "tax-2026-0031")
  static let zhangWeiHonour = CreditRecord.recordID(provider: "demo-data-platform", providerRecordID: "honour-2025-0001")
  static let bureauCourtRecord = CreditRecord.recordID(provider: "demo-court", providerRecordID: "(2026)浙01执88号")

  static func profile(
    _ gateway: TestGateway, _ subjectCode: String, _ purpose: String
  ) async throws -> Creditgate_V1_GetProfileResponse {
    try await gateway.connection(as: "demo-hr-bureau").withClient { client in
      try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
        .with {
          $0.subjectCode = subjectCode
          $0.purpose = purpose
        }, metadata: Self.operatorMetadata)
    }
  }

  @Test("a serious dishonest judgment debtor is DISQUALIFIED from civil-servant recruitment, with the legal basis")
  func disqualified() async throws {
    try await TestGateway.withRunning { gateway in
      let response = try await gateway.connection(as: "demo-hr-bureau").withClient { client in
        try await Creditgate_V1_CreditQuery.Client(wrapping: client).checkMeasures(
          .with {
            $0.subjectCode = Self.liNa
            $0.purpose = "civil-servant-recruitment"
          }, metadata: Self.operatorMetadata)
      }
      #expect(response.decision == "DISQUALIFIED")
      #expect(response.queryID > 0)
      #expect(
        response.measures.map(\.measure) == ["civil-service-disqualification", "civil-service-judgment-refusal"])
      let disqualification = try #require(response.measures.first { $0.measure == "civil-service-disqualification" })
      #expect(disqualification.effect == "DISQUALIFICATION")
      #expect(disqualification.legalBasis.contains("公务员录用规定"))
      #expect(!disqualification.description_p.isEmpty)
      #expect(disqualification.triggerList == "serious-dishonesty")
      // Both serious records are of listed categories the purpose sees.
      #expect(Set(disqualification.triggerRecordIds) == [Self.liNaCourtRecord, Self.liNaTaxRecord])
      let refusal = try #require(response.measures.first { $0.measure == "civil-service-judgment-refusal" })
      #expect(refusal.triggerRecordIds == [Self.liNaCourtRecord])
      #expect(refusal.triggerList == "")
      #expect(!refusal.legalBasis.isEmpty)

      let entry = try #require(try await gateway.auditEntries().last)
      #expect(entry.sequence == response.queryID)
      #expect(entry.method == "/creditgate.v1.CreditQuery/CheckMeasures")
      #expect(entry.outcome == .answered)
      #expect(entry.operatorID == "officer-rules-1")
    }
  }

  @Test("an honoured person: red list and both licensing incentives for admin-licensing; no grade for recruitment")
  func honouredPerson() async throws {
    try await TestGateway.withRunning { gateway in
      let licensing = try await Self.profile(gateway, Self.zhangWei, "admin-licensing")
      #expect(licensing.records.map(\.recordID) == [Self.zhangWeiHonour])
      #expect(licensing.lists.map(\.list) == ["red"])
      #expect(licensing.lists.first?.recordIds == [Self.zhangWeiHonour])
      #expect(licensing.measures.map(\.measure) == ["licensing-green-channel", "licensing-tolerance-acceptance"])
      #expect(licensing.measures.allSatisfy { $0.effect == "INCENTIVE" && $0.triggerList == "red" })
      #expect(licensing.measures.allSatisfy { $0.triggerRecordIds == [Self.zhangWeiHonour] })
      #expect(licensing.hasEvaluation)
      let evaluation = licensing.evaluation
      #expect(evaluation.modelVersion == "person-2026.1")
      // social-morality 100 + 10 (honour); the volunteer service is not an admin-licensing
      // category and moves nothing. Total 510 → A (500 ≤ 510 < 530).
      #expect(evaluation.total == 510)
      #expect(evaluation.grade == "A")
      #expect(evaluation.dimensions.map(\.score) == [100, 100, 100, 100, 110])
      #expect(evaluation.dimensions.last?.factors == ["\(Self.zhangWeiHonour) (honour) +10"])
      #expect(evaluation.basis == "the 1 record in this answer")

      let recruitment = try await Self.profile(gateway, Self.zhangWei, "civil-servant-recruitment")
      #expect(!recruitment.hasEvaluation)
      #expect(recruitment.records.isEmpty)
      #expect(recruitment.measures.isEmpty)
      // The honour is not a recruitment category: the list may show, its record may not.
      #expect(recruitment.lists.allSatisfy { $0.recordIds.isEmpty })
    }
  }

  @Test("a government body is evaluated with model government-2026.1")
  func governmentBody() async throws {
    try await TestGateway.withRunning { gateway in
      let response = try await Self.profile(gateway, Self.cityBureau, "government-integrity-review")
      #expect(response.subject.kind == .government)
      #expect(response.hasEvaluation)
      #expect(response.evaluation.modelVersion == "government-2026.1")
      // lawful-administration 100 − 60 = 40 (serious judgment-nonperformance); commitment
      // 100 − 25 = 75 (general commitment-broken); total 415 < 440 → 较差.
      #expect(response.evaluation.dimensions.map(\.dimension) == [
        "lawful-administration", "openness", "diligence", "commitment", "performance",
      ])
      #expect(response.evaluation.dimensions.map(\.score) == [40, 100, 100, 75, 100])
      #expect(response.evaluation.total == 415)
      #expect(response.evaluation.grade == "较差")
      #expect(Set(response.records.map(\.category)) == ["judgment-nonperformance", "commitment-broken"])
      #expect(response.lists.map(\.list) == ["serious-dishonesty"])
      #expect(response.lists.first?.recordIds == [Self.bureauCourtRecord])
    }
  }

  @Test("a minor penalty past its disclosure end is stored but not disclosed")
  func pastDisclosureEnd() async throws {
    try await TestGateway.withRunning { gateway in
      let today = LocalDate.todayInChina()
      let stored = try await gateway.gateway.store.records(subjectCode: Self.chenJing)
      #expect(stored.count == 1)
      // Decided 400 days ago; minor records are disclosed at most 90 days: it ended 310 days ago.
      #expect(stored.first?.content.disclosureUntil == today.adding(days: -310))

      let response = try await Self.profile(gateway, Self.chenJing, "admin-licensing")
      #expect(response.records.isEmpty)
      #expect(response.lists.isEmpty)
      #expect(response.measures.isEmpty)
      #expect(response.evaluation.total == 500)
      #expect(response.evaluation.grade == "A")
      #expect(response.evaluation.dimensions.allSatisfy { $0.factors.isEmpty })
      let entry = try #require(try await gateway.auditEntries().last)
      #expect(entry.recordsDisclosed == 0)
    }
  }

  @Test("a record whose disclosure ends today is disclosed; one that ended yesterday is not")
  func disclosedThroughToday() async throws {
    try await TestGateway.withRunning { gateway in
      let today = LocalDate.todayInChina()  // the gateway's calendar is China's (UTC+8)
      func penalty(_ id: String, decidedDaysAgo: Int, until: LocalDate? = nil) -> Creditgate_V1_RecordSubmission {
        .with {
          $0.providerRecordID = id
          $0.subjectCode = Self.chenJing
          $0.category = "admin-penalty"
          $0.severity = .minor
          $0.title = "违规停车，警告"
          $0.documentNumber = id
          $0.actDate = today.adding(days: -decidedDaysAgo - 5).iso
          $0.decidedOn = today.adding(days: -decidedDaysAgo).iso
          if let until { $0.disclosureUntil = until.iso }
        }
      }
      let submissions = [
        penalty("ends-today", decidedDaysAgo: 90),  // default: decided + 90 days (minor maximum) = today
        penalty("ended-yesterday", decidedDaysAgo: 91),  // decided + 90 = yesterday
        penalty("set-to-today", decidedDaysAgo: 30, until: today),  // inside 0...90 days: kept as sent
      ]
      let results = try await gateway.connection(as: "demo-data-platform").withClient { client in
        try await Creditgate_V1_CreditRecords.Client(wrapping: client).submitRecords(
          .with { $0.records = submissions }
        ).results
      }
      #expect(results.map(\.accepted) == [true, true, true], "\(results.map(\.error))")
      let ids = Dictionary(uniqueKeysWithValues: results.map { ($0.providerRecordID, $0.recordID) })
      let stored = Dictionary(
        uniqueKeysWithValues: try await gateway.gateway.store.records(subjectCode: Self.chenJing).map {
          ($0.content.providerRecordID, $0.content.disclosureUntil)
        })
      #expect(stored["ends-today"] == today)
      #expect(stored["ended-yesterday"] == today.adding(days: -1))
      #expect(stored["set-to-today"] == today)

      let response = try await Self.profile(gateway, Self.chenJing, "admin-licensing")
      #expect(Set(response.records.map(\.recordID)) == Set([ids["ends-today"], ids["set-to-today"]].compactMap { $0 }))
      #expect(response.records.allSatisfy { $0.disclosureUntil == today.iso })
      // law-abiding 100 − 5 − 5 = 90; total 490 → B.
      #expect(response.evaluation.dimensions.map(\.score) == [100, 100, 90, 100, 100])
      #expect(response.evaluation.total == 490)
      #expect(response.evaluation.grade == "B")
    }
  }
}
