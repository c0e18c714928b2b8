import CreditGateCore
import CreditGateTestKit
import Foundation
import Testing

/// Several gateway instances' logs in one store (DESIGN §8): each origin's log is numbered and
/// checkpointed on its own; a search spans them all unless it names one.
extension StorageConformanceTests {
  static let originA = "a.creditgate/log"
  static let originB = "b.creditgate/log"

  /// Appends to `origin`'s log with a checkpoint over the log's tree, and checks that the seal
  /// sees that log's numbering.
  static func appendSealed(
    _ entries: [AuditEntry], origin: String, to store: Store, tree: inout MerkleTree
  ) async throws -> [AuditEntry] {
    let base = tree
    let committed = try await store.append(entries.map { AuditAppend(entry: $0) }, origin: origin) { stored in
      #expect(stored.map(\.entry.sequence) == stored.indices.map { base.size + UInt64($0) + 1 })
      #expect(stored.allSatisfy { $0.entry.origin == origin })
      let leaves = stored.map(\.leafHash)
      let checkpoint = try Checkpoint(
        origin: origin, size: base.size + UInt64(leaves.count), rootHash: base.rootHash(appending: leaves))
      return SignedCheckpoint(checkpoint: checkpoint, note: "\(origin) \(checkpoint.size)")
    }
    for commit in committed { tree.append(leafHash: commit.entry.leafHash) }
    return committed.map(\.entry)
  }

  @Test("two origins keep separate, gap-free sequences, sizes, leaves and checkpoints", arguments: StorageBackend.allCases)
  func twoOrigins(_ backend: StorageBackend) async throws {
    try await backend.withStore { store in
      var treeA = MerkleTree()
      var treeB = MerkleTree()
      let a1 = try await Self.appendSealed(Array(Fixture.log[0..<2]), origin: Self.originA, to: store, tree: &treeA)
      let b1 = try await Self.appendSealed(Array(Fixture.log[2..<5]), origin: Self.originB, to: store, tree: &treeB)
      let a2 = try await Self.appendSealed([Fixture.log[5]], origin: Self.originA, to: store, tree: &treeA)
      #expect((a1 + a2).map(\.sequence) == [1, 2, 3])
      #expect(b1.map(\.sequence) == [1, 2, 3])
      // The store stamps each entry with the log it was appended to.
      #expect((a1 + a2).allSatisfy { $0.origin == Self.originA })
      #expect(b1.allSatisfy { $0.origin == Self.originB })

      #expect(try await store.size(origin: Self.originA) == 3)
      #expect(try await store.size(origin: Self.originB) == 3)
      #expect(try await store.size(origin: Fixture.origin) == 0)

      let leavesA = try await store.storedLeaves(origin: Self.originA, after: 0, limit: 10)
      #expect(leavesA.map(\.entry) == a1 + a2)
      #expect(leavesA.map(\.leafHash) == (a1 + a2).map(\.leafHash))
      #expect(try await store.storedLeaves(origin: Self.originB, after: 1, limit: 10).map(\.entry) == Array(b1[1...]))
      #expect(try await store.storedLeaves(origin: Fixture.origin, after: 0, limit: 10).isEmpty)

      let checkpointsA = try await store.checkpoints(origin: Self.originA)
      let checkpointsB = try await store.checkpoints(origin: Self.originB)
      #expect(checkpointsA.map(\.checkpoint.size) == [2, 3])
      #expect(checkpointsA.last?.checkpoint.rootHash == treeA.rootHash)
      #expect(checkpointsB.map(\.checkpoint.size) == [3])
      #expect(checkpointsB.last?.checkpoint.rootHash == treeB.rootHash)

      try await store.probeWritable(origin: Self.originA)
      try await store.probeWritable(origin: Self.originB)
    }
  }

  /// One store, two logs: entries 1–3 of A and 1–2 of B.
  static func twoLogs(_ store: Store) async throws -> (a: [AuditEntry], b: [AuditEntry]) {
    let a = try await store.append(Array(Fixture.log[0..<3]), origin: originA)
    let b = try await store.append(Array(Fixture.log[3..<5]), origin: originB)
    return (a, b)
  }

  /// A search of `twoLogs` and what it must return, each entry named by its log's initial
  /// and its sequence number: A holds a1–a3, B holds b1–b2.
  struct OriginSearchCase: Sendable, CustomTestStringConvertible {
    var name: String
    var filter: AuditFilter
    var expected: [String]
    var testDescription: String { name }
  }

  static let originSearchCases: [OriginSearchCase] = [
    .init(name: "every log, by sequence then origin", filter: AuditFilter(), expected: ["a1", "b1", "a2", "b2", "a3"]),
    .init(name: "one log", filter: AuditFilter(origin: originB), expected: ["b1", "b2"]),
    .init(name: "a log that is not there", filter: AuditFilter(origin: Fixture.origin), expected: []),
    .init(name: "after a sequence, in every log", filter: AuditFilter(afterSequence: 1), expected: ["a2", "b2", "a3"]),
    .init(
      name: "after an entry of one log", filter: AuditFilter(afterSequence: 1, afterOrigin: originA),
      expected: ["b1", "a2", "b2", "a3"]),
    .init(
      name: "after the last log's entry of a sequence number", filter: AuditFilter(afterSequence: 2, afterOrigin: originB),
      expected: ["a3"]),
    .init(name: "one log, after a sequence", filter: AuditFilter(origin: originA, afterSequence: 1), expected: ["a2", "a3"]),
    .init(name: "every log, limited", filter: AuditFilter(limit: 3), expected: ["a1", "b1", "a2"]),
    .init(name: "every log, with a field filter", filter: AuditFilter(institutionID: "demo-bank"), expected: ["a1", "b1", "a3"]),
  ]

  static func label(_ entry: AuditEntry) -> String { "\(entry.origin.prefix(1))\(entry.sequence)" }

  @Test("search spans every log unless it names one", arguments: StorageBackend.allCases, originSearchCases)
  func searchAcrossOrigins(_ backend: StorageBackend, _ searchCase: OriginSearchCase) async throws {
    try await backend.withStore { store in
      let (a, b) = try await Self.twoLogs(store)
      // The hand-written expectations agree with the reference semantics.
      let reference = Array(
        (a + b).sorted(by: AuditFilter.precedes).filter(searchCase.filter.matches).prefix(searchCase.filter.limit))
      #expect(reference.map(Self.label) == searchCase.expected, "reference semantics")
      let found = try await store.search(searchCase.filter)
      #expect(found.map(Self.label) == searchCase.expected)
      #expect(found == reference)
    }
  }

  @Test("a search continued page by page reads every log's entries once, in order", arguments: StorageBackend.allCases, [1, 2, 3])
  func pagedSearchAcrossOrigins(_ backend: StorageBackend, _ pageSize: Int) async throws {
    try await backend.withStore { store in
      let (a, b) = try await Self.twoLogs(store)
      var filter = AuditFilter(limit: pageSize)
      var read: [AuditEntry] = []
      while true {
        let page = try await store.search(filter)
        read += page
        guard let last = page.last, page.count == pageSize else { break }
        filter = filter.continuing(after: last)
      }
      #expect(read == (a + b).sorted(by: AuditFilter.precedes))
    }
  }

  @Test("two writers, two origins, one store: each log checks and reopens on its own", arguments: StorageBackend.allCases)
  func twoWritersShareAStore(_ backend: StorageBackend) async throws {
    let signerA = try NoteSigner(name: Self.originA, privateKeyRaw: Array(repeating: 1, count: 32))
    let signerB = try NoteSigner(name: Self.originB, privateKeyRaw: Array(repeating: 2, count: 32))
    try await backend.withStore { store in
      let writerA = try await AuditWriter.open(store: store, signer: signerA)
      let writerB = try await AuditWriter.open(store: store, signer: signerB)
      for index in 0..<4 {
        let a = try await writerA.append(Fixture.log[index])
        let b = try await writerB.append(Fixture.log[index + 4])
        #expect(a.sequence == UInt64(index + 1) && a.origin == Self.originA)
        #expect(b.sequence == UInt64(index + 1) && b.origin == Self.originB)
      }
      let checkedA = try await AuditLogCheck.run(store: store, signer: signerA)
      let checkedB = try await AuditLogCheck.run(store: store, signer: signerB)
      #expect(checkedA.tree == writerA.tree)
      #expect(checkedB.tree == writerB.tree)
      #expect(checkedA.checkpoint == writerA.checkpoint)
      #expect(checkedB.checkpoint == writerB.checkpoint)
      let reopened = try await AuditWriter.open(store: store, signer: signerA)
      #expect(try await reopened.append(Fixture.log[0]).sequence == 5)
    }
  }
}
