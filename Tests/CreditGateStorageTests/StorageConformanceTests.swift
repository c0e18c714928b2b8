import CreditGateCore
import CreditGateSQLite
import CreditGateTestKit
import Foundation
import Testing

/// The storage conformance suite (DESIGN §1): every backend runs every test below.
typealias Store = StorageBackend.Store

extension AuditLogStore {
  /// Appends plain entries to `origin`'s log, unsealed: the storage tests look at the store,
  /// not the writer.
  func append(_ entries: [AuditEntry], origin: String = Fixture.origin) async throws -> [AuditEntry] {
    try await append(entries.map { AuditAppend(entry: $0) }, origin: origin, seal: { _ in nil }).map(\.entry)
  }
}

// MARK: - Fixtures

enum Fixture {
  /// The log the fixtures' entries belong to.
  static let origin = "test.creditgate/log"

  static let person = Subject(code: "33010619900101123X", kind: .person, name: "张三")
  static let otherPerson = Subject(code: "330102198506150040", kind: .person, name: "李四")
  static let organisation = Subject(code: "91350100M000100Y43", kind: .organisation, name: "示例有限公司")
  static let government = Subject(code: "11330100MB0000012X", kind: .government, name: "示例市人民政府办公室")
  static let subjects = [person, otherPerson, organisation, government]

  static func date(_ iso: String) -> LocalDate { LocalDate(iso: iso)! }

  static func record(
    _ providerRecordID: String, subject: Subject = person, provider: String = "test-court",
    category: String = "dishonest-judgment-debtor", severity: Severity? = .general,
    title: String = "失信被执行人", decidedOn: String = "2025-03-01", actEndedOn: String? = nil
  ) -> RecordContent {
    RecordContent(
      providerID: provider, providerRecordID: providerRecordID, subjectCode: subject.code,
      category: category, severity: severity, title: title, documentNumber: "(2025)浙01执\(providerRecordID)号",
      actDate: date("2025-01-15"), decidedOn: date(decidedOn), actEndedOn: actEndedOn.map(date),
      disclosureUntil: date(decidedOn).adding(days: 365))
  }

  /// 2026-01-01T00:00:00Z.
  static let start = Date(timeIntervalSince1970: 1_767_225_600)

  static func time(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

  static func entry(
    institution: String, method: String, outcome: AuditOutcome = .answered, purpose: String = "",
    subject: String = "", at seconds: Double
  ) -> AuditEntry {
    AuditEntry(
      origin: origin, time: time(seconds), institutionID: institution,
      certificateFingerprint: "sha256:ab12", operatorID: "operator-7", method: method,
      purpose: purpose, consentID: purpose == "commercial-loan" ? "consent-1" : "",
      subjectPseudonym: subject, outcome: outcome, statusCode: outcome == .answered ? 0 : 7,
      reason: outcome == .answered ? "" : "拒绝：用途不符", categoriesDisclosed: outcome == .answered ? ["fraud", "loan-default"] : [],
      recordsDisclosed: outcome == .answered ? 2 : 0, responseDigest: "d1g3st")
  }

  static let getProfile = "/creditgate.v1.CreditQuery/GetProfile"

  /// The log every search case runs against; sequence numbers are the position plus one.
  static let log: [AuditEntry] = [
    /* 1 */ entry(institution: "demo-bank", method: getProfile, purpose: "commercial-loan", subject: "aaaa", at: 0),
    /* 2 */ entry(
      institution: "demo-hr-bureau", method: getProfile, outcome: .denied, purpose: "civil-servant-recruitment",
      subject: "bbbb", at: 10),
    /* 3 */ entry(
      institution: "demo-bank", method: "/creditgate.v1.CreditQuery/VerifyIdentity", purpose: "commercial-loan",
      subject: "bbbb", at: 20),
    /* 4 */ entry(institution: "demo-bank", method: "/test.v1.Other/Profile", purpose: "commercial-loan", at: 30.5),
    /* 5 */ entry(
      institution: "demo-hr-bureau", method: "/creditgate.v1.CreditQuery/CheckMeasures", outcome: .invalid, at: 40),
    /* 6 */ entry(institution: "demo-bank", method: getProfile, purpose: "commercial-loan", subject: "aaaa", at: 50),
    /* 7 */ entry(institution: "demo-court", method: "/creditgate.v1.CreditRecords/SubmitRecords", at: 60),
    /* 8 */ entry(
      institution: "demo-bank", method: getProfile, outcome: .failed, purpose: "commercial-insurance",
      subject: "cccc", at: 70.000_123),
  ]
}

/// One search of `Fixture.log` and the sequence numbers it must return.
struct SearchCase: Sendable, CustomTestStringConvertible {
  var name: String
  var filter: AuditFilter
  var expected: [UInt64]
  var testDescription: String { name }
}

// MARK: - The suite

@Suite("Storage conformance")
struct StorageConformanceTests {
  // MARK: Subjects

  @Test("registering subjects inserts them; registering again updates the name", arguments: StorageBackend.allCases)
  func registerAndRename(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      #expect(try await store.subjectCount() == 0)
      try await store.registerSubjects(Fixture.subjects)
      for subject in Fixture.subjects {
        #expect(try await store.subject(code: subject.code) == subject)
      }
      #expect(try await store.subjectCount() == 4)

      var renamed = Fixture.person
      renamed.name = "张三丰"
      try await store.registerSubjects([renamed])
      #expect(try await store.subject(code: Fixture.person.code) == renamed)
      #expect(try await store.subject(code: Fixture.otherPerson.code) == Fixture.otherPerson)
      #expect(try await store.subjectCount() == 4)
      #expect(try await store.subject(code: "110105194912310021") == nil)
    }
  }

  @Test("subjectKinds answers known codes and leaves unknown ones out", arguments: StorageBackend.allCases)
  func subjectKinds(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      #expect(try await store.subjectKinds(codes: [Fixture.person.code]).isEmpty)
      try await store.registerSubjects(Fixture.subjects)
      let kinds = try await store.subjectKinds(
        codes: [Fixture.person.code, Fixture.organisation.code, Fixture.government.code, "110105194912310021"])
      #expect(
        kinds == [
          Fixture.person.code: .person, Fixture.organisation.code: .organisation,
          Fixture.government.code: .government,
        ])
      #expect(try await store.subjectKinds(codes: []).isEmpty)
    }
  }

  // MARK: Records

  @Test("submitting records: new is version 1, identical is unchanged, changed is version 2", arguments: StorageBackend.allCases)
  func submitIsIdempotentAndVersioned(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      try await store.registerSubjects(Fixture.subjects)
      let original = Fixture.record("A-1", actEndedOn: "2025-06-30")
      let other = Fixture.record("A-2", category: "honour", severity: nil, title: "诚信道德模范")

      let first = try await store.submitRecords([original, other])
      #expect(first.count == 2)
      #expect(first.map(\.id) == [original.recordID, other.recordID])
      #expect(first.map(\.content) == [original, other])
      #expect(first.map(\.version) == [1, 1])
      #expect(first.map(\.status) == [.active, .active])

      let again = try await store.submitRecords([original])
      #expect(again == [first[0]])
      #expect(try await store.record(id: original.recordID) == first[0])

      var changed = original
      changed.title = "失信被执行人（更正）"
      changed.disclosureUntil = changed.disclosureUntil.adding(days: -30)
      let second = try await store.submitRecords([changed])
      #expect(second.map(\.id) == [original.recordID])
      #expect(second.map(\.version) == [2])
      #expect(second.map(\.content) == [changed])
      #expect(try await store.record(id: original.recordID) == second[0])

      // Resubmitting the changed content again changes nothing.
      #expect(try await store.submitRecords([changed]) == second)
      // The other record was not touched.
      #expect(try await store.record(id: other.recordID) == first[1])

      // The same provider record id from another provider is another record.
      let elsewhere = Fixture.record("A-1", provider: "test-tax-bureau", category: "tax-arrears")
      let stored = try await store.submitRecords([elsewhere])
      #expect(stored.first?.id != original.recordID)
      #expect(stored.first?.version == 1)
      #expect(try await store.records(subjectCode: Fixture.person.code).count == 3)
    }
  }

  @Test("records(subjectCode:) returns only that subject's, by decision date then id", arguments: StorageBackend.allCases)
  func recordsOrdered(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      try await store.registerSubjects(Fixture.subjects)
      let late = Fixture.record("R-late", decidedOn: "2025-09-01")
      let early = Fixture.record("R-early", decidedOn: "2024-11-30")
      let sameDayA = Fixture.record("R-same-1", decidedOn: "2025-03-01")
      let sameDayB = Fixture.record("R-same-2", decidedOn: "2025-03-01")
      let someoneElse = Fixture.record("R-other", subject: Fixture.otherPerson, decidedOn: "2025-01-01")
      let organisation = Fixture.record(
        "R-org", subject: Fixture.organisation, category: "tax-arrears", severity: .serious, decidedOn: "2024-01-01")
      _ = try await store.submitRecords([late, sameDayA, someoneElse, early, organisation, sameDayB])

      let sameDay = [sameDayA, sameDayB].sorted { $0.recordID < $1.recordID }
      let records = try await store.records(subjectCode: Fixture.person.code)
      #expect(records.map(\.id) == ([early] + sameDay + [late]).map(\.recordID))
      #expect(records.map(\.content) == [early] + sameDay + [late])
      #expect(try await store.records(subjectCode: Fixture.otherPerson.code).map(\.content) == [someoneElse])
      #expect(try await store.records(subjectCode: Fixture.organisation.code).map(\.content) == [organisation])
      #expect(try await store.records(subjectCode: Fixture.government.code).isEmpty)
    }
  }

  @Test("record(id:) finds a record by the gateway id and nothing else", arguments: StorageBackend.allCases)
  func recordByID(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      try await store.registerSubjects(Fixture.subjects)
      let content = Fixture.record("X-9", subject: Fixture.government, category: "commitment-broken", severity: .serious)
      let stored = try await store.submitRecords([content])
      let found = try #require(try await store.record(id: content.recordID))
      #expect(found == stored[0])
      #expect(found.content.actEndedOn == nil)
      #expect(found.content.severity == .serious)
      #expect(try await store.record(id: "r0000000000000000000") == nil)
      #expect(try await store.record(id: "") == nil)
    }
  }

  // MARK: Audit log

  @Test("append numbers entries from 1 across batches and search returns them unchanged", arguments: StorageBackend.allCases)
  func appendAndReadBack(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      #expect(try await store.size(origin: Fixture.origin) == 0)
      #expect(try await store.search(AuditFilter()).isEmpty)
      // Times with sub-microsecond parts: AuditEntry rounds them, every backend keeps microseconds.
      let firstBatch = [
        Fixture.entry(institution: "demo-bank", method: Fixture.getProfile, purpose: "commercial-loan", subject: "aaaa", at: 0.123_456_789),
        Fixture.entry(institution: "demo-hr-bureau", method: Fixture.getProfile, outcome: .denied, at: 1.000_000_4),
        Fixture.entry(institution: "demo-bank", method: "/creditgate.v1.CreditQuery/VerifyIdentity", at: 2.999_999_6),
      ]
      let first = try await store.append(firstBatch)
      #expect(first.map(\.sequence) == [1, 2, 3])
      for (committed, submitted) in zip(first, firstBatch) {
        var expected = submitted
        expected.sequence = committed.sequence
        #expect(committed == expected)
      }
      #expect(try await store.size(origin: Fixture.origin) == 3)

      let secondBatch = [
        Fixture.entry(institution: "demo-court", method: "/creditgate.v1.CreditRecords/SubmitRecords", at: 3),
        Fixture.entry(institution: "demo-bank", method: Fixture.getProfile, outcome: .failed, at: 4),
      ]
      let second = try await store.append(secondBatch)
      #expect(second.map(\.sequence) == [4, 5])
      #expect(try await store.append([]).isEmpty)
      #expect(try await store.size(origin: Fixture.origin) == 5)

      let all = try await store.search(AuditFilter())
      #expect(all == first + second)
      #expect(all.map(\.time) == (firstBatch + secondBatch).map(\.time))
      #expect(all.first?.categoriesDisclosed == ["fraud", "loan-default"])
      #expect(all[1].categoriesDisclosed == [])
      #expect(all[1].reason == "拒绝：用途不符")
    }
  }

  static let searchCases: [SearchCase] = [
    .init(name: "no filter", filter: AuditFilter(), expected: [1, 2, 3, 4, 5, 6, 7, 8]),
    .init(name: "institution", filter: AuditFilter(institutionID: "demo-bank"), expected: [1, 3, 4, 6, 8]),
    .init(name: "unknown institution", filter: AuditFilter(institutionID: "demo"), expected: []),
    .init(name: "method by full path", filter: AuditFilter(method: Fixture.getProfile), expected: [1, 2, 6, 8]),
    .init(name: "method by bare name", filter: AuditFilter(method: "GetProfile"), expected: [1, 2, 6, 8]),
    .init(name: "bare name Profile does not match GetProfile", filter: AuditFilter(method: "Profile"), expected: [4]),
    .init(
      name: "a partial path is not a bare name",
      filter: AuditFilter(method: "/CreditQuery/GetProfile"), expected: []),
    .init(name: "bare name is case-sensitive", filter: AuditFilter(method: "getprofile"), expected: []),
    .init(name: "full path is case-sensitive", filter: AuditFilter(method: "/creditgate.v1.creditquery/getprofile"), expected: []),
    .init(name: "bare name with _ is not a wildcard", filter: AuditFilter(method: "Get_rofile"), expected: []),
    .init(name: "bare name with % is not a wildcard", filter: AuditFilter(method: "%Profile"), expected: []),
    .init(name: "outcome", filter: AuditFilter(outcome: .denied), expected: [2]),
    .init(name: "outcome answered", filter: AuditFilter(outcome: .answered), expected: [1, 3, 4, 6, 7]),
    .init(name: "purpose", filter: AuditFilter(purpose: "commercial-loan"), expected: [1, 3, 4, 6]),
    .init(name: "subject pseudonym", filter: AuditFilter(subjectPseudonym: "aaaa"), expected: [1, 6]),
    .init(name: "from is inclusive", filter: AuditFilter(from: Fixture.time(20)), expected: [3, 4, 5, 6, 7, 8]),
    .init(name: "until is exclusive", filter: AuditFilter(until: Fixture.time(20)), expected: [1, 2]),
    .init(name: "from and until", filter: AuditFilter(from: Fixture.time(20), until: Fixture.time(50)), expected: [3, 4, 5]),
    .init(
      name: "microsecond times: from an entry's own time",
      filter: AuditFilter(from: Fixture.log[7].time), expected: [8]),
    .init(
      name: "microsecond times: until an entry's own time",
      filter: AuditFilter(from: Fixture.time(60), until: Fixture.log[7].time), expected: [7]),
    .init(name: "after a sequence", filter: AuditFilter(afterSequence: 5), expected: [6, 7, 8]),
    .init(name: "after the last sequence", filter: AuditFilter(afterSequence: 8), expected: []),
    .init(name: "limit", filter: AuditFilter(limit: 3), expected: [1, 2, 3]),
    .init(name: "limit 0", filter: AuditFilter(limit: 0), expected: []),
    .init(name: "after a sequence, with a limit", filter: AuditFilter(afterSequence: 2, limit: 2), expected: [3, 4]),
    .init(
      name: "institution, bare method and outcome",
      filter: AuditFilter(institutionID: "demo-bank", method: "GetProfile", outcome: .answered), expected: [1, 6]),
    .init(
      name: "institution, purpose, time range, limit",
      filter: AuditFilter(
        institutionID: "demo-bank", purpose: "commercial-loan", from: Fixture.time(10), until: Fixture.time(60),
        limit: 2),
      expected: [3, 4]),
    .init(
      name: "subject and institution after a sequence",
      filter: AuditFilter(institutionID: "demo-bank", subjectPseudonym: "aaaa", afterSequence: 1), expected: [6]),
    .init(
      name: "filters that exclude each other",
      filter: AuditFilter(institutionID: "demo-court", outcome: .denied), expected: []),
  ]

  @Test("search filters, alone and combined", arguments: StorageBackend.allCases, searchCases)
  func search(_ backend: StorageBackend, _ searchCase: SearchCase) async throws {
    // The hand-written expectations agree with the reference semantics.
    var numbered = Fixture.log
    var last: [String: UInt64] = [:]
    for index in numbered.indices {
      numbered[index].sequence = UInt64(index + 1)
      let pseudonym = numbered[index].subjectPseudonym
      guard !pseudonym.isEmpty else { continue }
      numbered[index].previousSubjectSequence = last[pseudonym] ?? 0
      last[pseudonym] = numbered[index].sequence
    }
    let reference = Array(numbered.filter(searchCase.filter.matches).prefix(searchCase.filter.limit))
    #expect(reference.map(\.sequence) == searchCase.expected, "reference semantics")

    try await backend.withStore { store in
      _ = try await store.append(Array(Fixture.log.prefix(3)))
      _ = try await store.append(Array(Fixture.log.dropFirst(3)))
      let found = try await store.search(searchCase.filter)
      #expect(found.map(\.sequence) == searchCase.expected)
      #expect(found == reference)
    }
  }

  // MARK: State changes with their entries

  @Test("a change commits with its entry, and complete sees what was stored", arguments: StorageBackend.allCases)
  func changeWithEntry(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      try await store.registerSubjects(Fixture.subjects)
      let commits = try await store.append(
        [
          AuditAppend(entry: Fixture.log[0]),
          AuditAppend(entry: Fixture.log[1], change: .submitRecords([Fixture.record("C-1")])) { result, entry in
            if case .success(.records(let records)) = result { entry.reason = "version \(records.map(\.version))" }
          },
        ], origin: Fixture.origin, seal: { _ in nil })
      #expect(commits.map(\.entry.sequence) == [1, 2])
      #expect(commits[0].change == nil)
      guard case .success(.records(let records))? = commits[1].change else {
        Issue.record("expected the stored records, got \(String(describing: commits[1].change))")
        return
      }
      #expect(records.map(\.version) == [1])
      #expect(try await store.search(AuditFilter()).map(\.reason) == [Fixture.log[0].reason, "version [1]"])
      #expect(try await store.record(id: records[0].id) == records[0])
    }
  }

  @Test("if the seal throws, neither the entries nor their changes are stored", arguments: StorageBackend.allCases)
  func sealFailureStoresNothing(_ backend: StorageBackend) async throws {
    struct Refused: Error {}
    try await backend.withStore { store in
      try await store.registerSubjects(Fixture.subjects)
      let consent = Consent(
        id: "c-atomic", subjectCode: Fixture.person.code, granteeID: "demo-bank", purpose: "commercial-loan",
        categories: ["fraud"], validFrom: Date(timeIntervalSince1970: 1_767_225_600),
        validUntil: Date(timeIntervalSince1970: 1_767_225_600 + 86_400), recordedBy: "demo-portal")
      await #expect(throws: Refused.self) {
        _ = try await store.append(
          [
            AuditAppend(entry: Fixture.log[0], change: .insertConsent(consent)),
            AuditAppend(entry: Fixture.log[1], change: .submitRecords([Fixture.record("S-1")])),
            AuditAppend(entry: Fixture.log[2], change: .registerSubjects([Subject(code: Fixture.person.code, kind: .person, name: "改名")])),
          ], origin: Fixture.origin, seal: { _ in throw Refused() })
      }
      #expect(try await store.size(origin: Fixture.origin) == 0)
      #expect(try await store.consent(id: "c-atomic") == nil)
      #expect(try await store.record(id: Fixture.record("S-1").recordID) == nil)
      #expect(try await store.subject(code: Fixture.person.code) == Fixture.person)
    }
  }

  @Test("the seal sees the batch with its sequence numbers and its checkpoint is kept", arguments: StorageBackend.allCases)
  func sealedCheckpointsAreKept(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      var tree = MerkleTree()
      for batch in [Array(Fixture.log.prefix(2)), [], Array(Fixture.log[2..<5])] {
        let base = tree
        let committed = try await store.append(batch.map { AuditAppend(entry: $0) }, origin: Fixture.origin) { stored in
          #expect(stored.map(\.entry.sequence) == stored.indices.map { base.size + UInt64($0) + 1 })
          // The store hands over the hashes it stored: those of the entries as stored.
          #expect(stored.allSatisfy { $0.leafHash == $0.entry.leafHash })
          guard !stored.isEmpty else { return nil }
          let leaves = stored.map(\.leafHash)
          let checkpoint = try Checkpoint(
            origin: "test.creditgate/log", size: base.size + UInt64(leaves.count),
            rootHash: base.rootHash(appending: leaves))
          return SignedCheckpoint(checkpoint: checkpoint, note: "note \(checkpoint.size)")
        }
        for commit in committed { tree.append(leafHash: commit.entry.leafHash) }
      }
      let kept = try await store.checkpoints(origin: "test.creditgate/log")
      #expect(kept.map(\.checkpoint.size) == [2, 5])
      #expect(kept.map(\.note) == ["note 2", "note 5"])
      #expect(kept.last?.checkpoint.rootHash == tree.rootHash)
      #expect(try await store.checkpoints(origin: "other.creditgate/log").isEmpty)
      let stored = try await store.storedLeaves(origin: Fixture.origin, after: 1, limit: 3)
      #expect(stored.map(\.entry.sequence) == [2, 3, 4])
      #expect(stored.allSatisfy { $0.leafHash == $0.entry.leafHash })
    }
  }

  // MARK: SQLite only

  @Test("SQLite: the writer flushes every commit (PRAGMA synchronous reads FULL on the writer)")
  func sqliteSynchronousFull() async throws {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    let store = try SQLiteStore.open(path: directory.databasePath)
    _ = try await store.append([Fixture.log[0]])
    #expect(try await store.writerSynchronous() == 2)
  }

  @Test("SQLite: the benchmark's relaxed durability is NORMAL, read back; the default stays FULL")
  func sqliteRelaxedDurability() async throws {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    let relaxed = try SQLiteStore.open(path: directory.databasePath, durability: .relaxed)
    _ = try await relaxed.append([Fixture.log[0]])
    #expect(try await relaxed.writerSynchronous() == 1)
    try await relaxed.close()
    let full = try SQLiteStore.open(path: directory.databasePath)
    #expect(try await full.writerSynchronous() == 2)
    #expect(try await full.size(origin: Fixture.origin) == 1)
  }

  @Test("SQLite: a change that fails is rolled back alone; its entry and the rest of the batch commit")
  func sqliteSavepointPerChange() async throws {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    let store = try SQLiteStore.open(path: directory.databasePath)
    try await store.registerSubjects(Fixture.subjects)
    // A record of a subject that is not registered breaks the foreign key.
    var orphan = Fixture.record("O-1")
    orphan.subjectCode = "000000000000000000"
    let commits = try await store.append(
      [
        AuditAppend(entry: Fixture.log[0], change: .submitRecords([Fixture.record("K-1"), orphan])) { result, entry in
          if case .failure = result { entry.reason = "rolled back" }
        },
        AuditAppend(entry: Fixture.log[1], change: .submitRecords([Fixture.record("K-2")])),
      ], origin: Fixture.origin, seal: { _ in nil })
    guard case .failure? = commits[0].change else {
      Issue.record("the orphan record should have failed the change")
      return
    }
    #expect(try await store.record(id: Fixture.record("K-1").recordID) == nil, "the failed change is undone whole")
    #expect(try await store.record(id: Fixture.record("K-2").recordID) != nil)
    #expect(try await store.search(AuditFilter()).map(\.reason) == ["rolled back", Fixture.log[1].reason])
  }

  @Test("SQLite: the database file is readable by its owner only")
  func sqliteFileMode() async throws {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    let store = try SQLiteStore.open(path: directory.databasePath)
    _ = try await store.append([Fixture.log[0]])
    for path in [directory.databasePath, directory.databasePath + "-wal"] {
      let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
      #expect(mode == 0o600, "\(path)")
    }
  }

  @Test("SQLite: probeWritable fails while the database is full and passes once it has room")
  func sqliteProbe() async throws {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    let store = try SQLiteStore.open(path: directory.databasePath)
    try await store.probeWritable(origin: Fixture.origin)
    let pages = try await store.pageCount()
    try await store.executeAsOperator("PRAGMA max_page_count = \(pages)")
    await #expect(throws: StorageError.self) { try await store.probeWritable(origin: Fixture.origin) }
    await #expect(throws: StorageError.self) { _ = try await store.append(Array(repeating: Fixture.log[0], count: 50)) }
    try await store.executeAsOperator("PRAGMA max_page_count = 1000000")
    try await store.probeWritable(origin: Fixture.origin)
  }

  // MARK: SQLite files

  @Test("SQLite: subjects, records and the audit log survive closing and reopening the file")
  func sqliteDurability() async throws {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    var store: SQLiteStore? = try SQLiteStore.open(path: directory.databasePath)
    try await store!.registerSubjects(Fixture.subjects)
    let records = try await store!.submitRecords([Fixture.record("D-1"), Fixture.record("D-2", decidedOn: "2025-04-01")])
    let appended = try await store!.append(Array(Fixture.log.prefix(3)))
    store = nil

    let reopened = try SQLiteStore.open(path: directory.databasePath)
    #expect(try await reopened.subjectCount() == 4)
    #expect(try await reopened.subject(code: Fixture.person.code) == Fixture.person)
    #expect(try await reopened.records(subjectCode: Fixture.person.code) == records)
    #expect(try await reopened.size(origin: Fixture.origin) == 3)
    #expect(try await reopened.search(AuditFilter()) == appended)
    // The sequence continues after the entries already on disk.
    let next = try await reopened.append([Fixture.log[3]])
    #expect(next.map(\.sequence) == [4])
  }

  /// The store does not expose its `DatabasePool`, so `PRAGMA journal_mode` cannot be asked
  /// through it. WAL mode is visible on disk instead: the `-wal` file beside the database while
  /// it is open, and the file-format version bytes (offsets 18 and 19 of the header, 1 for a
  /// rollback journal, 2 for WAL) once the log has been checkpointed into the file.
  @Test("SQLite: the database is in WAL mode")
  func sqliteWAL() async throws {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    var store: SQLiteStore? = try SQLiteStore.open(path: directory.databasePath)
    _ = try await store!.append([Fixture.log[0]])
    #expect(FileManager.default.fileExists(atPath: directory.databasePath + "-wal"))
    #expect(!FileManager.default.fileExists(atPath: directory.databasePath + "-journal"))
    store = nil

    let header = try #require(FileManager.default.contents(atPath: directory.databasePath))
    try #require(header.count >= 100)
    #expect(String(decoding: header.prefix(15), as: UTF8.self) == "SQLite format 3")
    #expect(header[18] == 2, "file format write version")
    #expect(header[19] == 2, "file format read version")
  }
}
