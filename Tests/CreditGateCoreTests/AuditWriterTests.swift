@testable import CreditGateCore
import Foundation
import Synchronization
import Testing

private struct StoreDown: Error {}

/// An `InMemoryStore` whose commits take a little while (as a disk flush does) and can be made to
/// fail. The delay is part of the fake store, so that concurrent callers pile up behind a commit
/// and group commit becomes observable; no test waits on it for synchronisation.
private final class SlowStore: AuditLogStore {
  private struct State {
    var calls = 0
    var largestBatch = 0
    var failing = false
    var returnsNothing = false
  }

  let inner = InMemoryStore()
  private let delay: Duration
  private let state = Mutex(State())

  init(delay: Duration = .milliseconds(5)) {
    self.delay = delay
  }

  var calls: Int { state.withLock { $0.calls } }
  var largestBatch: Int { state.withLock { $0.largestBatch } }

  func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }
  func setReturnsNothing(_ value: Bool) { state.withLock { $0.returnsNothing = value } }

  func append(_ entries: [AuditEntry]) async throws -> [AuditEntry] {
    let (failing, returnsNothing) = state.withLock { state in
      state.calls += 1
      state.largestBatch = max(state.largestBatch, entries.count)
      return (state.failing, state.returnsNothing)
    }
    if delay > .zero { try? await Task.sleep(for: delay) }
    if failing { throw StoreDown() }
    let committed = try await inner.append(entries)
    return returnsNothing ? [] : committed
  }

  func search(_ filter: AuditFilter) async throws -> [AuditEntry] { try await inner.search(filter) }
  func size() async throws -> UInt64 { try await inner.size() }
}

private func entry(_ index: Int) -> AuditEntry {
  AuditEntry(
    origin: "test.creditgate/log", time: Date(timeIntervalSince1970: 1_767_225_600 + Double(index) / 1000),
    institutionID: "institution-\(index % 7)", certificateFingerprint: "fp", operatorID: "operator-\(index)",
    method: "/creditgate.v1.CreditQuery/GetProfile", purpose: "commercial-loan", outcome: .answered,
    statusCode: 0, categoriesDisclosed: ["fraud"], recordsDisclosed: index % 3)
}

@Suite("AuditWriter", .timeLimit(.minutes(1)))
struct AuditWriterTests {
  @Test("200 concurrent appends get sequences 1...200, as stored, in fewer commits")
  func concurrentAppends() async throws {
    let store = SlowStore()
    let writer = AuditWriter(store: store)
    let results = try await withThrowingTaskGroup(of: (Int, AuditEntry).self) { group in
      for index in 0..<200 {
        group.addTask { (index, try await writer.append(entry(index))) }
      }
      return try await group.reduce(into: [Int: AuditEntry]()) { $0[$1.0] = $1.1 }
    }
    #expect(results.count == 200)
    #expect(results.values.map(\.sequence).sorted() == Array(1...200))
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
    #expect(writer.batchCount < 200)
    #expect(writer.batchCount == store.calls)
    #expect(store.largestBatch > 1)
    #expect(try await store.size() == 200)
  }

  @Test("sequential appends commit one batch each")
  func sequentialAppends() async throws {
    let store = SlowStore(delay: .zero)
    let writer = AuditWriter(store: store)
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
    let store = SlowStore()
    store.setFailing(true)
    let writer = AuditWriter(store: store)
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
      return await group.reduce(into: [Bool]()) { $0.append($1) }
    }
    #expect(outcomes.count == 50)
    #expect(outcomes.allSatisfy { !$0 }, "every caller must see the failure")
    // Followers were in a failed batch, not only leaders.
    #expect(store.largestBatch > 1)
    #expect(try await store.size() == 0)

    store.setFailing(false)
    let committed = try await writer.append(entry(99))
    #expect(committed.sequence == 1)
    #expect(committed.operatorID == "operator-99")
    #expect(try await store.search(AuditFilter()) == [committed])
  }

  @Test("a store that returns the wrong number of entries fails the callers")
  func mismatchedStore() async throws {
    let store = SlowStore(delay: .zero)
    store.setReturnsNothing(true)
    let writer = AuditWriter(store: store)
    await #expect(throws: (any Error).self) { try await writer.append(entry(0)) }
    // The store kept an entry the writer could not account for, so its Merkle tree no longer
    // describes the log: every later append fails closed too, rather than answer with a
    // query id that no checkpoint would cover.
    store.setReturnsNothing(false)
    await #expect(throws: (any Error).self) { try await writer.append(entry(1)) }
    #expect(writer.tree.size == 0)
  }
}
