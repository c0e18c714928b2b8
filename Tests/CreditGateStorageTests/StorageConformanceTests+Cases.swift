import CreditGateCore
import CreditGateTestKit
import Foundation
import Testing

/// Objections, repairs, revocations (DESIGN §9) and the per-subject chain of the audit log.
extension StorageConformanceTests {
  /// Commits one entry with `change` and returns the commit.
  static func commit(_ change: StateChange, to store: Store, subject: String = "aaaa") async throws -> AuditCommit {
    let entry = Fixture.entry(institution: "demo-portal", method: "/creditgate.v1.SubjectRights/FileObjection", subject: subject, at: 0)
    let commits = try await store.append(
      [AuditAppend(entry: entry, change: change) { result, entry in
        if case .failure = result { entry.outcome = .failed }
      }], origin: Fixture.origin, seal: { _ in nil })
    return try #require(commits.first)
  }

  static let calendar = WorkingCalendar.mondayToFriday

  /// The category of `Fixture.record`'s records.
  static let judgmentCategory = Category(
    code: "dishonest-judgment-debtor", name: "失信被执行人", subjectKinds: [.person, .organisation],
    polarity: .trustBreaking, dimension: "law-abiding", repairable: true,
    disclosure: [.general: DisclosureBound(minDays: 90, maxDays: 365)], listed: true)

  static func filing(_ kind: CaseKind, recordID: String, subject: Subject = Fixture.person, id: String) -> CaseFiling {
    CaseFiling(
      kind: kind, recordID: recordID, subjectCode: subject.code, statement: "不是我", catalogue: [judgmentCategory], id: id,
      at: Fixture.time(0), today: Fixture.date("2026-12-01"), calendar: calendar)
  }

  @Test("each entry about a subject links to the previous one of its log, across batches and logs", arguments: StorageBackend.allCases)
  func subjectChain(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      let first = try await store.append(Array(Fixture.log.prefix(3)))
      let second = try await store.append(Array(Fixture.log.dropFirst(3)))
      let other = try await store.append(Array(Fixture.log.prefix(2)), origin: Self.originB)
      // aaaa: 1, 6; bbbb: 2, 3; cccc: 8; 4, 5, 7 are about no subject.
      #expect((first + second).map(\.previousSubjectSequence) == [0, 0, 2, 0, 0, 1, 0, 0])
      #expect(other.map(\.previousSubjectSequence) == [0, 0], "another log has its own chain")
      // The link is part of what was hashed and is read back.
      let stored = try await store.storedLeaves(origin: Fixture.origin, after: 0, limit: 10)
      #expect(stored.map(\.entry) == first + second)
      #expect(stored.map(\.leafHash) == (first + second).map(\.leafHash))
      #expect(stored[5].entry.leafHash != { var e = stored[5].entry; e.previousSubjectSequence = 0; return e.leafHash }())
    }
  }

  @Test("an objection marks the record disputed with its case; a second one is refused and changes nothing", arguments: StorageBackend.allCases)
  func objection(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      try await store.registerSubjects(Fixture.subjects)
      let record = try #require(try await store.submitRecords([Fixture.record("o-1")]).first)

      let filed = try await Self.commit(.fileCase(Self.filing(.objection, recordID: record.id, id: "case-1")), to: store)
      guard case .success(.creditCase(let item))? = filed.change else {
        Issue.record("expected the case, got \(String(describing: filed.change))")
        return
      }
      #expect(item.status == .open && item.kind == .objection)
      #expect(item.filedSequence == filed.entry.sequence && item.filedOrigin == Fixture.origin)
      #expect(item.decideBy == Fixture.date("2026-12-08"))
      #expect(try await store.record(id: record.id)?.status == .disputed)
      #expect(try await store.creditCase(id: "case-1") == item)
      #expect(try await store.cases(status: .open) == [item])
      #expect(try await store.cases(subjectCode: Fixture.person.code) == [item])
      #expect(try await store.cases(subjectCode: Fixture.otherPerson.code).isEmpty)

      let again = try await Self.commit(.fileCase(Self.filing(.objection, recordID: record.id, id: "case-2")), to: store)
      guard case .failure(let error as GatewayError)? = again.change else {
        Issue.record("expected a refusal, got \(String(describing: again.change))")
        return
      }
      #expect(error.code == .failedPrecondition)
      #expect(again.entry.outcome == .failed, "the entry is committed, completed with the failure")
      #expect(try await store.creditCase(id: "case-2") == nil)
      #expect(try await store.cases(status: nil).count == 1)

      // Another person cannot object to the record: it is answered as missing.
      let stranger = try await Self.commit(
        .fileCase(Self.filing(.objection, recordID: record.id, subject: Fixture.otherPerson, id: "case-3")), to: store)
      guard case .failure(let strangerError as GatewayError)? = stranger.change else {
        Issue.record("expected a refusal")
        return
      }
      #expect(strangerError.code == .notFound)
    }
  }

  @Test("decisions set the record's status once; a decided case cannot be decided again", arguments: StorageBackend.allCases)
  func decisions(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      try await store.registerSubjects(Fixture.subjects)
      let records = try await store.submitRecords([Fixture.record("d-1"), Fixture.record("d-2")])
      _ = try await Self.commit(.fileCase(Self.filing(.objection, recordID: records[0].id, id: "case-up")), to: store)
      _ = try await Self.commit(.fileCase(Self.filing(.objection, recordID: records[1].id, id: "case-down")), to: store)

      func decide(_ id: String, _ upheld: Bool) async throws -> Result<StateChangeResult, any Error>? {
        try await Self.commit(
          .decideCase(CaseDecision(caseID: id, upheld: upheld, reason: "核实", decidedBy: "demo-credit-office", at: Fixture.time(99))),
          to: store
        ).change
      }
      guard case .success(.creditCase(let upheld))? = try await decide("case-up", true) else {
        Issue.record("expected the decided case")
        return
      }
      #expect(upheld.status == .upheld && upheld.decidedBy == "demo-credit-office" && upheld.decisionReason == "核实")
      #expect(try await store.record(id: records[0].id)?.status == .objectionUpheld)
      #expect(try await store.creditCase(id: "case-up") == upheld)

      _ = try await decide("case-down", false)
      #expect(try await store.record(id: records[1].id)?.status == .active, "a rejected objection lifts the mark")

      guard case .failure(let error as GatewayError)? = try await decide("case-up", false) else {
        Issue.record("expected a refusal")
        return
      }
      #expect(error.code == .failedPrecondition)
      #expect(try await store.creditCase(id: "case-up")?.status == .upheld)
      #expect(try await store.record(id: records[0].id)?.status == .objectionUpheld)
      guard case .failure(let missing as GatewayError)? = try await decide("case-none", true) else {
        Issue.record("expected a refusal")
        return
      }
      #expect(missing.code == .notFound)

      // The provider's corrected version is disclosed again, as a new version.
      var corrected = Fixture.record("d-1")
      corrected.title = "更正后的记录"
      let stored = try #require(try await store.submitRecords([corrected]).first)
      #expect(stored.status == .active && stored.version == 2)
    }
  }

  @Test("a provider revokes its own record once; another provider's is refused", arguments: StorageBackend.allCases)
  func revocation(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      try await store.registerSubjects(Fixture.subjects)
      let record = try #require(try await store.submitRecords([Fixture.record("v-1")]).first)

      let foreign = try await Self.commit(.revokeRecord(id: record.id, providerID: "other-provider"), to: store)
      guard case .failure(let denied as GatewayError)? = foreign.change else {
        Issue.record("expected a refusal")
        return
      }
      #expect(denied.code == .permissionDenied)
      #expect(try await store.record(id: record.id)?.status == .active)

      let own = try await Self.commit(.revokeRecord(id: record.id, providerID: "test-court"), to: store)
      guard case .success(.record(let revoked))? = own.change else {
        Issue.record("expected the revoked record")
        return
      }
      #expect(revoked.status == .revoked)
      #expect(try await store.record(id: record.id)?.status == .revoked)
      let twice = try await Self.commit(.revokeRecord(id: record.id, providerID: "test-court"), to: store)
      guard case .failure(let again as GatewayError)? = twice.change else {
        Issue.record("expected a refusal")
        return
      }
      #expect(again.code == .failedPrecondition)
    }
  }

  @Test("suspensions are stored with their history; lifting once, checked as stored", arguments: StorageBackend.allCases)
  func suspensions(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      let made = Suspension(
        id: "susp-1", institutionID: "demo-bank", operatorID: "op-1", reason: "超范围查询", since: Fixture.time(0),
        until: Fixture.time(86_400), suspendedBy: "demo-credit-office", anomalyRule: "identity-probing",
        anomalyDescription: "5 mismatches", anomalySequences: [3, 5, 8])
      _ = try await Self.commit(.suspend(made), to: store, subject: "")
      #expect(try await store.suspensions() == [made])
      let lift = StateChange.liftSuspension(id: "susp-1", by: "demo-credit-office", reason: "已整改", at: Fixture.time(60))
      guard case .success(.suspension(let lifted))? = try await Self.commit(lift, to: store, subject: "").change else {
        Issue.record("expected the lifted suspension")
        return
      }
      #expect(lifted.liftedAt == Fixture.time(60) && lifted.liftReason == "已整改" && !lifted.isActive(at: Fixture.time(61)))
      #expect(try await store.suspensions() == [lifted])
      guard case .failure(let again as GatewayError)? = try await Self.commit(lift, to: store, subject: "").change else {
        Issue.record("expected a refusal")
        return
      }
      #expect(again.code == .failedPrecondition)
      #expect(try await store.suspensions() == [lifted])
    }
  }

  @Test("an upheld complaint stores its record with the decision; subjects are listed by category in code order", arguments: StorageBackend.allCases)
  func complaints(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      try await store.registerSubjects(Fixture.subjects)
      let complaint = CreditCase(
        id: "case-c", kind: .complaint, recordID: "", subjectCode: Fixture.government.code, category: "contract-breach",
        statement: "拖欠工程款", filedAt: Fixture.time(0), decideBy: Fixture.date("2026-12-22"))
      let filed = try await Self.commit(.fileComplaint(complaint), to: store, subject: "gggg")
      #expect(try await store.creditCase(id: "case-c")?.filedSequence == filed.entry.sequence)
      let content = CaseRules.complaintRecord(
        complaint, category: nil, decidedBy: "demo-credit-office", today: Fixture.date("2026-12-02"))
      let decision = CaseDecision(
        caseID: "case-c", upheld: true, reason: "查实", decidedBy: "demo-credit-office", at: Fixture.time(9),
        complaintRecord: content)
      _ = try await Self.commit(.decideCase(decision), to: store, subject: "gggg")
      let stored = try #require(try await store.record(id: content.recordID))
      #expect(stored.content == content && stored.status == .active && stored.version == 1)
      #expect(try await store.creditCase(id: "case-c")?.recordID == content.recordID)

      _ = try await store.submitRecords([
        Fixture.record("l-1", subject: Fixture.otherPerson), Fixture.record("l-2", subject: Fixture.person),
        Fixture.record("l-3", subject: Fixture.person, category: "admin-penalty"),
      ])
      let judgment = ["dishonest-judgment-debtor"]
      #expect(
        try await store.subjectCodes(withRecordsIn: judgment, after: "", limit: 10)
          == [Fixture.person.code, Fixture.otherPerson.code].sorted())
      #expect(
        try await store.subjectCodes(withRecordsIn: judgment, after: Fixture.otherPerson.code, limit: 10)
          == [Fixture.person.code, Fixture.otherPerson.code].sorted().filter { $0 > Fixture.otherPerson.code })
      #expect(try await store.subjectCodes(withRecordsIn: judgment, after: "", limit: 1).count == 1)
      #expect(try await store.subjectCodes(withRecordsIn: ["contract-breach"], after: "", limit: 10) == [Fixture.government.code])
      #expect(try await store.subjectCodes(withRecordsIn: [], after: "", limit: 10).isEmpty)
    }
  }

  @Test("a repair application's grounds are read as stored and kept with the case", arguments: StorageBackend.allCases)
  func grounds(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      try await store.registerSubjects(Fixture.subjects)
      let records = try await store.submitRecords([
        Fixture.record("g-1", decidedOn: "2025-03-01"),
        Fixture.record("g-2", category: "volunteer-service", severity: nil, decidedOn: "2026-11-01"),
        Fixture.record("g-3", decidedOn: "2025-03-01"),
      ])
      let volunteer = Category(
        code: "volunteer-service", name: "志愿服务", subjectKinds: [.person], polarity: .trustKeeping,
        dimension: "social-morality", repairable: false, disclosure: [.general: DisclosureBound(minDays: 0, maxDays: 1825)])
      var filing = Self.filing(.repair, recordID: records[0].id, id: "case-g")
      filing.catalogue.append(volunteer)
      filing.grounds = RepairGrounds(rules: [.init(category: "dishonest-judgment-debtor", grounds: ["volunteer-service"])])
      filing.groundRecordIDs = [records[1].id]
      filing.today = Fixture.date("2025-12-01")
      let committed = try await Self.commit(.fileCase(filing), to: store)
      guard case .success(.creditCase(let item))? = committed.change else {
        Issue.record("expected the case, got \(String(describing: committed.change))")
        return
      }
      #expect(item.groundRecordIDs == [records[1].id])
      #expect(try await store.creditCase(id: "case-g")?.groundRecordIDs == [records[1].id])
      // A ground that is not stored is refused inside the transaction (on a record with no case).
      filing.id = "case-h"
      filing.recordID = records[2].id
      filing.groundRecordIDs = ["r-missing"]
      let refused = try await Self.commit(.fileCase(filing), to: store)
      guard case .failure(let error as GatewayError)? = refused.change else {
        Issue.record("expected a refusal")
        return
      }
      #expect(error.code == .notFound && error.field == "ground_record_ids[0]")
      #expect(try await store.creditCase(id: "case-h") == nil)
      // A stored ground of a category that does not count is refused as well.
      filing.grounds = RepairGrounds(rules: [.init(category: "dishonest-judgment-debtor", grounds: ["charity"])])
      filing.groundRecordIDs = [records[1].id]
      guard case .failure(let notCounted as GatewayError)? = try await Self.commit(.fileCase(filing), to: store).change
      else {
        Issue.record("expected a refusal")
        return
      }
      #expect(notCounted.code == .failedPrecondition && notCounted.reason.contains("does not count"))
    }
  }
}
