import CreditGateCore
import CreditGateSQLite
import CreditGateTestKit
import Foundation
import Testing

/// How the SQLite store fails: a value it cannot read throws `StoredValueError` instead of being
/// guessed; a database it cannot use throws `StorageError` from every protocol method.
@Suite("SQLite store failures")
struct SQLiteStoreFailureTests {
  /// A stored value changed behind the store's back, and the reads that must refuse it.
  struct UnknownValue: Sendable, CustomTestStringConvertible {
    var testDescription: String
    var sql: String
    var field: String
    var value: String
    var reads: @Sendable (SQLiteStore) async throws -> Void
  }

  static let record = Fixture.record("U-1")

  static let unknownValues: [UnknownValue] = [
    UnknownValue(
      testDescription: "a subject's kind", sql: "UPDATE subject SET kind = 'robot'", field: "subject.kind",
      value: "robot", reads: { store in _ = try await store.subject(code: Fixture.person.code) }),
    UnknownValue(
      testDescription: "a subject's kind, asked for by code", sql: "UPDATE subject SET kind = 'robot'",
      field: "subject.kind", value: "robot",
      reads: { store in _ = try await store.subjectKinds(codes: [Fixture.person.code]) }),
    UnknownValue(
      testDescription: "a record's status", sql: "UPDATE record SET status = 'LOST'", field: "record.status",
      value: "LOST", reads: { store in _ = try await store.record(id: record.recordID) }),
    UnknownValue(
      testDescription: "a record's status, in a subject's records", sql: "UPDATE record SET status = 'LOST'",
      field: "record.status", value: "LOST",
      reads: { store in _ = try await store.records(subjectCode: Fixture.person.code) }),
    UnknownValue(
      testDescription: "a record's status, read to resubmit it", sql: "UPDATE record SET status = 'LOST'",
      field: "record.status", value: "LOST", reads: { store in _ = try await store.submitRecords([record]) }),
    UnknownValue(
      testDescription: "a record's severity", sql: "UPDATE record SET severity = 'HUGE'", field: "record.severity",
      value: "HUGE", reads: { store in _ = try await store.record(id: record.recordID) }),
    UnknownValue(
      testDescription: "an audit entry's outcome", sql: "UPDATE audit_entry SET outcome = 'MAYBE'",
      field: "audit_entry.outcome", value: "MAYBE", reads: { store in _ = try await store.search(AuditFilter()) }),
    UnknownValue(
      testDescription: "an audit entry's outcome, read by the start-up check",
      sql: "UPDATE audit_entry SET outcome = 'MAYBE'", field: "audit_entry.outcome", value: "MAYBE",
      reads: { store in _ = try await store.storedLeaves(origin: Fixture.origin, after: 0, limit: 10) }),
  ]

  @Test("a value this version does not know throws StoredValueError, never a guess", arguments: unknownValues)
  func unknownValue(_ unknown: UnknownValue) async throws {
    let store = try SQLiteStore.inMemory()
    try await store.registerSubjects(Fixture.subjects)
    _ = try await store.submitRecords([Self.record])
    _ = try await store.append([Fixture.log[0]])
    try await unknown.reads(store)
    try await store.executeAsOperator(unknown.sql)
    let error = await #expect(throws: StoredValueError.self) { try await unknown.reads(store) }
    #expect(error == StoredValueError(field: unknown.field, value: unknown.value))
  }

  /// One call of each protocol method.
  struct Call: Sendable, CustomTestStringConvertible {
    var testDescription: String
    var call: @Sendable (SQLiteStore) async throws -> Void
  }

  static let consent = Consent(
    id: "c-closed", subjectCode: Fixture.person.code, granteeID: "demo-bank", purpose: "commercial-loan",
    categories: ["fraud"], validFrom: Fixture.start, validUntil: Fixture.time(86_400), recordedBy: "demo-portal")

  static let everyMethod: [Call] = [
    Call(testDescription: "registerSubjects") { try await $0.registerSubjects(Fixture.subjects) },
    Call(testDescription: "subject") { _ = try await $0.subject(code: Fixture.person.code) },
    Call(testDescription: "subjectKinds") { _ = try await $0.subjectKinds(codes: [Fixture.person.code]) },
    Call(testDescription: "submitRecords") { _ = try await $0.submitRecords([record]) },
    Call(testDescription: "records") { _ = try await $0.records(subjectCode: Fixture.person.code) },
    Call(testDescription: "record") { _ = try await $0.record(id: record.recordID) },
    Call(testDescription: "subjectCount") { _ = try await $0.subjectCount() },
    Call(testDescription: "append") { _ = try await $0.append([Fixture.log[0]]) },
    Call(testDescription: "search") { _ = try await $0.search(AuditFilter()) },
    Call(testDescription: "size") { _ = try await $0.size(origin: Fixture.origin) },
    Call(testDescription: "storedLeaves") { _ = try await $0.storedLeaves(origin: Fixture.origin, after: 0, limit: 10) },
    Call(testDescription: "checkpoints") { _ = try await $0.checkpoints(origin: Fixture.origin) },
    Call(testDescription: "probeWritable") { try await $0.probeWritable(origin: Fixture.origin) },
    Call(testDescription: "insertConsent") { try await $0.insertConsent(consent) },
    Call(testDescription: "consent") { _ = try await $0.consent(id: consent.id) },
    Call(testDescription: "consents") { _ = try await $0.consents(subjectCode: Fixture.person.code) },
    Call(testDescription: "revokeConsent") { _ = try await $0.revokeConsent(id: consent.id, at: Fixture.start) },
    Call(testDescription: "useConsent") { _ = try await $0.useConsent(id: consent.id, now: { Fixture.start }, check: { _, _ in nil }) },
  ]

  @Test("with the database closed, every protocol method throws StorageError naming what it did", arguments: everyMethod)
  func closedDatabase(_ method: Call) async throws {
    let store = try SQLiteStore.inMemory()
    try await store.registerSubjects(Fixture.subjects)
    try await method.call(store)
    try await store.close()
    let error = await #expect(throws: StorageError.self) { try await method.call(store) }
    #expect(error?.operation.isEmpty == false)
  }

  @Test("a change the database refuses is rolled back, and its failure is a StorageError")
  func refusedChange() async throws {
    let store = try SQLiteStore.inMemory()
    var orphan = Fixture.record("O-2")
    orphan.subjectCode = "000000000000000000"
    let commits = try await store.append(
      [AuditAppend(entry: Fixture.log[0], change: .submitRecords([orphan]))], origin: Fixture.origin, seal: { _ in nil })
    guard case .failure(let error)? = commits.first?.change else {
      Issue.record("the orphan record should have failed the change")
      return
    }
    #expect(error is StorageError, "\(error)")
  }

  @Test("an error of the seal reaches the caller unchanged, and the writer's tree mismatch too")
  func sealErrorsPassThrough() async throws {
    let store = try SQLiteStore.inMemory()
    _ = try await store.append([Fixture.log[0]])
    // A writer whose tree does not know the entry already stored: its seal refuses the batch.
    let writer = AuditWriter(store: store, origin: Fixture.origin)
    let error = await #expect(throws: AuditTreeMismatch.self) { try await writer.append(Fixture.log[1]) }
    #expect(error?.sequence == 2)
    #expect(try await store.size(origin: Fixture.origin) == 1)
  }
}
