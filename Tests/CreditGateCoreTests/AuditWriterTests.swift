@testable import CreditGateCore
import Foundation
import Synchronization
import Testing

private struct StoreDown: Error {}

/// An `InMemoryStore` whose next commit can be held on a gate until the test opens it, so that
/// callers pile up behind a commit in flight exactly as they do behind a disk flush; and which
/// can be made to fail or to return the wrong number of entries.
private final class GatedStore: AuditLogStore {
  private struct State {
    var batchSizes: [Int] = []
    var failing = false
    var returnsNothing = false
    var holdNext = false
    var gate: CheckedContinuation<Void, Never>?
  }

  let inner = InMemoryStore()
  private let state = Mutex(State())

  var calls: Int { state.withLock { $0.batchSizes.count } }
  var batchSizes: [Int] { state.withLock { $0.batchSizes } }
  var largestBatch: Int { batchSizes.max() ?? 0 }
  /// Whether a commit is waiting on the gate.
  var isHeld: Bool { state.withLock { $0.gate != nil } }

  func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }
  func setReturnsNothing(_ value: Bool) { state.withLock { $0.returnsNothing = value } }
  /// Holds the next commit until `open()`.
  func holdNextCommit() { state.withLock { $0.holdNext = true } }
  func open() { state.withLock { $0.gate.take() }?.resume() }

  func append(_ batch: [AuditAppend], origin: String, seal: @escaping AuditSeal) async throws -> [AuditCommit] {
    let hold = state.withLock { state in
      state.batchSizes.append(batch.count)
      defer { state.holdNext = false }
      return state.holdNext
    }
    if hold {
      await withCheckedContinuation { continuation in state.withLock { $0.gate = continuation } }
    }
    let (failing, returnsNothing) = state.withLock { ($0.failing, $0.returnsNothing) }
    if failing { throw StoreDown() }
    let committed = try await inner.append(batch, origin: origin, seal: seal)
    return returnsNothing ? [] : committed
  }

  func probeWritable(origin: String) async throws {
    if state.withLock({ $0.failing }) { throw StoreDown() }
  }
  func search(_ filter: AuditFilter) async throws -> [AuditEntry] { try await inner.search(filter) }
  func size(origin: String) async throws -> UInt64 { try await inner.size(origin: origin) }
  func storedLeaves(origin: String, after sequence: UInt64, limit: Int) async throws -> [StoredLeaf] {
    try await inner.storedLeaves(origin: origin, after: sequence, limit: limit)
  }
  func checkpoints(origin: String) async throws -> [SignedCheckpoint] { try await inner.checkpoints(origin: origin) }
  func subjectChainStart(origin: String) async throws -> UInt64 { try await inner.subjectChainStart(origin: origin) }
}

/// Waits, yielding, until `condition` holds: the callers under test are tasks of this process.
private func until(_ condition: () -> Bool) async {
  while !condition() { await Task.yield() }
}

private let origin = "test.creditgate/log"

private func entry(_ index: Int) -> AuditEntry {
  AuditEntry(
    origin: origin, time: Date(timeIntervalSince1970: 1_767_225_600 + Double(index) / 1000),
    institutionID: "institution-\(index % 7)", certificateFingerprint: "fp", operatorID: "operator-\(index)",
    method: "/creditgate.v1.CreditQuery/GetProfile", purpose: "commercial-loan", outcome: .answered,
    statusCode: 0, categoriesDisclosed: ["fraud"], recordsDisclosed: index % 3)
}

@Suite("AuditWriter", .timeLimit(.minutes(1)))
struct AuditWriterTests {
  @Test("199 appends that arrive while a commit is in flight are committed together, as stored")
  func concurrentAppends() async throws {
    let store = GatedStore()
    let writer = AuditWriter(store: store, origin: origin)
    store.holdNextCommit()
    let results = try await withThrowingTaskGroup(of: (Int, AuditEntry).self) { group in
      group.addTask { (0, try await writer.append(entry(0))) }
      await until { store.isHeld }
      for index in 1..<200 {
        group.addTask { (index, try await writer.append(entry(index))) }
      }
      await until { writer.pendingCount == 199 }
      store.open()
      return try await group.reduce(into: [Int: AuditEntry]()) { $0[$1.0] = $1.1 }
    }
    #expect(results.count == 200)
    #expect(results.values.map(\.sequence).sorted() == Array(1...200))
    // The leader's own commit, then one for everything that queued behind it.
    #expect(store.batchSizes == [1, 199])
    #expect(writer.batchCount == 2)
    let stored = try await store.search(AuditFilter(limit: 1000))
    #expect(stored.count == 200)
    let storedBySequence = Dictionary(uniqueKeysWithValues: stored.map { ($0.sequence, $0) })
    for (index, committed) in results {
      // Each caller gets its own entry back, exactly as the store holds it.
      #expect(committed.operatorID == "operator-\(index)")
      #expect(storedBySequence[committed.sequence] == committed)
      var withoutSequence = committed
      withoutSequence.sequence = 0
      #expect(withoutSequence == entry(index))
    }
  }

  @Test("each batch is sealed with a signed checkpoint stored with it; the tree follows the log")
  func checkpointPerBatch() async throws {
    let store = GatedStore()
    let signer = try NoteSigner(name: origin, privateKeyRaw: Array(repeating: 7, count: 32))
    let writer = AuditWriter(store: store, origin: origin, signer: signer)
    for index in 0..<3 { _ = try await writer.append(entry(index)) }
    let kept = try await store.checkpoints(origin: signer.name)
    #expect(kept.map(\.checkpoint.size) == [1, 2, 3])
    #expect(kept.last == writer.checkpoint)
    let verifier = try NoteVerifier(vkey: signer.publicVerifierKey)
    #expect(try kept.map { try verifier.verify(note: $0.note) } == kept.map(\.checkpoint))
    let leaves = try await store.storedLeaves(origin: origin, after: 0, limit: 10).map(\.leafHash)
    #expect(writer.tree == (try MerkleTree(leafHashes: leaves)))
  }

  @Test("sequential appends commit one batch each")
  func sequentialAppends() async throws {
    let store = GatedStore()
    let writer = AuditWriter(store: store, origin: origin)
    for index in 0..<10 {
      let committed = try await writer.append(entry(index))
      #expect(committed.sequence == UInt64(index + 1))
      #expect(writer.batchCount == index + 1)
    }
    #expect(store.calls == 10)
    #expect(store.largestBatch == 1)
  }

  @Test("a failing store fails every caller of the batch, and the writer recovers")
  func failingStore() async throws {
    let store = GatedStore()
    store.setFailing(true)
    let writer = AuditWriter(store: store, origin: origin)
    store.holdNextCommit()
    let outcomes = await withTaskGroup(of: Bool.self) { group in
      for index in 0..<50 {
        group.addTask {
          do {
            _ = try await writer.append(entry(index))
            return true
          } catch is StoreDown {
            return false
          } catch {
            Issue.record("unexpected error \(error)")
            return true
          }
        }
      }
      await until { store.isHeld && writer.pendingCount == 49 }
      store.open()
      return await group.reduce(into: [Bool]()) { $0.append($1) }
    }
    #expect(outcomes.count == 50)
    #expect(outcomes.allSatisfy { !$0 }, "every caller must see the failure")
    // Followers were in a failed batch, not only leaders.
    #expect(store.batchSizes == [1, 49])
    #expect(try await store.size(origin: origin) == 0)
    #expect(!writer.isAvailable)
    #expect(await writer.probe() == false, "the store is still down")

    store.setFailing(false)
    #expect(await writer.probe(), "the store is back")
    let committed = try await writer.append(entry(99))
    #expect(committed.sequence == 1)
    #expect(committed.operatorID == "operator-99")
    #expect(try await store.search(AuditFilter()) == [committed])
  }

  @Test("a store that returns the wrong number of entries fails the callers")
  func mismatchedStore() async throws {
    let store = GatedStore()
    store.setReturnsNothing(true)
    let writer = AuditWriter(store: store, origin: origin)
    await #expect(throws: AuditStoreMismatch.self) { try await writer.append(entry(0)) }
    // The store kept an entry the writer could not account for, so its Merkle tree no longer
    // describes the log: every later append fails closed too, rather than answer with a
    // query id that no checkpoint would cover.
    store.setReturnsNothing(false)
    let error = await #expect(throws: AuditTreeMismatch.self) { try await writer.append(entry(1)) }
    #expect(error?.sequence == 2)
    #expect(writer.tree.size == 0)
    // The seal refused inside the transaction: the second entry was not stored.
    #expect(try await store.size(origin: origin) == 1)
  }
}
