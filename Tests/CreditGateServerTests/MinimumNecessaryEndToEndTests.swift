import CreditGateCore
import CreditGateProtos
import CreditGateServer
import CreditGateTestKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import SwiftProtobuf
import Testing

/// Issue 9's three cases over mutual TLS on the demo data set, each with its twin: the same
/// query with a withheld record hidden from the store gives the same bytes, query id apart.
@Suite("Minimum necessary over mutual TLS")
struct MinimumNecessaryEndToEndTests {
  static let operatorMetadata: Metadata = ["x-operator-id": "officer-scope-1"]
  /// Serious dishonest-judgment-debtor and serious-tax-violation (both listed), general admin-penalty.
  static let liNa = "330102198506150040"
  /// General loan-default, general exam-cheating.
  static let wangFang = "330203197803025518"
  static let liNaCourtRecord = CreditRecord.recordID(provider: "demo-court", providerRecordID: "(2026)浙0106执1234号")
  static let liNaTaxRecord = CreditRecord.recordID(provider: "demo-data-platform", providerRecordID: "tax-2026-0031")
  static let liNaPenalty = CreditRecord.recordID(provider: "demo-data-platform", providerRecordID: "penalty-2026-0777")
  static let wangFangLoan = CreditRecord.recordID(provider: "demo-data-platform", providerRecordID: "loan-2026-1001")
  static let wangFangExam = CreditRecord.recordID(provider: "demo-data-platform", providerRecordID: "exam-2025-0099")
  static let loanCategories = ["loan-default", "housing-fund-default", "dishonest-judgment-debtor", "tax-arrears", "fraud"]

  static func withGateway<Result: Sendable>(_ body: (TestGateway, TestStore) async throws -> Result) async throws -> Result {
    let store = TestStore()
    return try await TestGateway.withRunning(store: store) { gateway in try await body(gateway, store) }
  }

  static func grant(_ gateway: TestGateway, subject: String, categories: [String]) async throws -> String {
    try await gateway.connection(as: "demo-portal").withClient { client in
      try await Creditgate_V1_Consents.Client(wrapping: client).grantConsent(
        .with {
          $0.subjectCode = subject
          $0.granteeInstitutionID = "demo-bank"
          $0.purpose = "commercial-loan"
          $0.categories = categories
          $0.validUntil = .init(date: Date().addingTimeInterval(30 * 86_400))
        }, metadata: operatorMetadata)
    }.consentID
  }

  static func profile(
    _ gateway: TestGateway, as institution: String, _ request: Creditgate_V1_GetProfileRequest
  ) async throws -> Creditgate_V1_GetProfileResponse {
    try await gateway.connection(as: institution).withClient { client in
      try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(request, metadata: operatorMetadata)
    }
  }

  /// The answer's bytes with the query id left out, the one field that must differ.
  static func bytes(_ response: Creditgate_V1_GetProfileResponse) throws -> [UInt8] {
    var response = response
    response.queryID = 0
    return try response.serializedBytes()
  }

  /// Asks `request`, hides `withheld` from the store, asks again: the same bytes.
  static func expectTwin(
    _ gateway: TestGateway, _ store: TestStore, as institution: String, _ request: Creditgate_V1_GetProfileRequest,
    hiding withheld: Set<String>, sourceLocation: SourceLocation = #_sourceLocation
  ) async throws -> Creditgate_V1_GetProfileResponse {
    let answer = try await profile(gateway, as: institution, request)
    #expect(
      withheld.isDisjoint(with: answer.records.map(\.recordID)), "the record is in the answer",
      sourceLocation: sourceLocation)
    store.hide(recordIDs: withheld)
    let twin = try await profile(gateway, as: institution, request)
    store.hide(recordIDs: [])
    #expect(twin.queryID != answer.queryID, sourceLocation: sourceLocation)
    #expect(try bytes(twin) == bytes(answer), "hiding a withheld record changed the answer", sourceLocation: sourceLocation)
    return answer
  }

  @Test("a consent for loan-default only: no record, an untouched evaluation, the public list, what was left out")
  func consentForOneCategory() async throws {
    try await Self.withGateway { gateway, store in
      let consent = try await Self.grant(gateway, subject: Self.liNa, categories: ["loan-default"])
      let answer = try await Self.expectTwin(
        gateway, store, as: "demo-bank",
        .with {
          $0.subjectCode = Self.liNa
          $0.purpose = "commercial-loan"
          $0.consentID = consent
        }, hiding: [Self.liNaPenalty, Self.liNaCourtRecord])
      #expect(answer.records.isEmpty)
      #expect(answer.covered == ["loan-default"])
      // Her serious records move nothing the bank sees: every dimension at its base, grade A.
      #expect(answer.evaluation.dimensions.map(\.score) == [100, 100, 100, 100, 100])
      #expect(answer.evaluation.dimensions.allSatisfy { $0.factors.isEmpty })
      #expect(answer.evaluation.total == 500)
      #expect(answer.evaluation.grade == "A")
      #expect(answer.evaluation.basis == "the 0 records in this answer")
      // The serious-dishonesty list is public: it shows, naming no record.
      #expect(answer.lists.map(\.list) == ["serious-dishonesty"])
      #expect(answer.lists.allSatisfy { $0.recordIds.isEmpty })
      let reasons = Dictionary(uniqueKeysWithValues: answer.withheld.map { ($0.category, $0.reason) })
      #expect(reasons["dishonest-judgment-debtor"] == "outside the consent")
      #expect(reasons["serious-tax-violation"] == "outside the purpose commercial-loan")
      #expect(reasons["admin-penalty"] == "outside the purpose commercial-loan")
    }
  }

  @Test("a consent for all of commercial-loan's categories: exam cheating moves no score")
  func consentForThePurpose() async throws {
    try await Self.withGateway { gateway, store in
      let consent = try await Self.grant(gateway, subject: Self.wangFang, categories: Self.loanCategories)
      let answer = try await Self.expectTwin(
        gateway, store, as: "demo-bank",
        .with {
          $0.subjectCode = Self.wangFang
          $0.purpose = "commercial-loan"
          $0.consentID = consent
        }, hiding: [Self.wangFangExam])
      #expect(answer.records.map(\.recordID) == [Self.wangFangLoan])
      // economic 100 − 20 (the loan default); social-morality untouched. 480: B.
      let scores = Dictionary(uniqueKeysWithValues: answer.evaluation.dimensions.map { ($0.dimension, $0.score) })
      #expect(scores["economic"] == 80)
      #expect(scores["social-morality"] == 100)
      #expect(answer.evaluation.total == 480)
      #expect(answer.evaluation.grade == "B")
      #expect(answer.evaluation.basis == "the 1 record in this answer")
      #expect(answer.evaluation.dimensions.flatMap(\.factors) == ["\(Self.wangFangLoan) (loan-default) -20"])
      #expect(answer.lists.isEmpty)
    }
  }

  @Test("civil-servant-recruitment narrowed: no measure from a record the narrowing withheld")
  func narrowedStatutoryQuery() async throws {
    try await Self.withGateway { gateway, store in
      let answer = try await Self.expectTwin(
        gateway, store, as: "demo-hr-bureau",
        .with {
          $0.subjectCode = Self.liNa
          $0.purpose = "civil-servant-recruitment"
          $0.categories = ["serious-tax-violation", "admin-penalty"]
        }, hiding: [Self.liNaCourtRecord, Self.liNaPenalty])
      #expect(answer.records.map(\.recordID) == [Self.liNaTaxRecord])
      #expect(answer.covered == ["serious-tax-violation"])
      // The list is public and triggers its measure; the court record behind both is withheld,
      // so the judgment-refusal measure it triggers is not applied.
      #expect(answer.measures.map(\.measure) == ["civil-service-disqualification"])
      #expect(answer.measures.first?.triggerList == "serious-dishonesty")
      #expect(answer.measures.first?.triggerRecordIds == [Self.liNaTaxRecord])
      #expect(answer.lists.first?.recordIds == [Self.liNaTaxRecord])
      let reasons = Dictionary(uniqueKeysWithValues: answer.withheld.map { ($0.category, $0.reason) })
      #expect(reasons["admin-penalty"] == "outside the purpose civil-servant-recruitment")
      #expect(reasons["dishonest-judgment-debtor"] == "narrowed by the caller")
      #expect(reasons["exam-cheating"] == "narrowed by the caller")
      #expect(!answer.hasEvaluation)

      let entry = try #require(try await gateway.auditEntries().last)
      #expect(entry.sequence == answer.queryID + 1)  // the twin's
      #expect(entry.categoriesDisclosed == ["serious-tax-violation"])
      #expect(entry.recordsDisclosed == 1)
    }
  }

  @Test("CheckMeasures states its scope, and its audit entry the categories and count it rested on")
  func checkMeasuresScope() async throws {
    try await Self.withGateway { gateway, store in
      func check() async throws -> Creditgate_V1_CheckMeasuresResponse {
        try await gateway.connection(as: "demo-hr-bureau").withClient { client in
          try await Creditgate_V1_CreditQuery.Client(wrapping: client).checkMeasures(
            .with {
              $0.subjectCode = Self.liNa
              $0.purpose = "civil-servant-recruitment"
            }, metadata: Self.operatorMetadata)
        }
      }
      let response = try await check()
      #expect(response.decision == "DISQUALIFIED")
      #expect(response.covered == ["dishonest-judgment-debtor", "serious-tax-violation", "exam-cheating", "fraud"])
      #expect(response.withheld.first { $0.category == "admin-penalty" }?.reason == "outside the purpose civil-servant-recruitment")
      let entry = try #require(try await gateway.auditEntries().last)
      #expect(entry.sequence == response.queryID)
      #expect(entry.categoriesDisclosed == response.covered)
      #expect(entry.recordsDisclosed == 2)  // the court and the tax record; the penalty is outside
      #expect(entry.reason == "DISQUALIFIED")

      // Her penalty is outside the purpose: hiding it changes nothing.
      store.hide(recordIDs: [Self.liNaPenalty])
      var twin = try await check()
      twin.queryID = response.queryID
      #expect(try twin.serializedBytes() as [UInt8] == response.serializedBytes())
    }
  }
}
