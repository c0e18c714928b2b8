import CreditGateCore
import Foundation
import Testing

/// The start-up check (DESIGN §8): a log altered behind the gateway's back is refused, naming
/// the first bad entry, and is never signed again.
@Suite("AuditLogCheck")
struct AuditLogCheckTests {
  static let signer = try! NoteSigner(name: "test.creditgate/log", privateKeyRaw: Array(repeating: 3, count: 32))

  static func entry(_ index: Int) -> AuditEntry {
    AuditEntry(
      origin: signer.name, time: Date(timeIntervalSince1970: 1_767_225_600 + Double(index)),
      institutionID: "demo-bank", certificateFingerprint: "fp", operatorID: "operator-\(index)",
      method: "/creditgate.v1.CreditQuery/GetProfile", purpose: "commercial-loan", outcome: .answered,
      statusCode: 0)
  }

  /// A store with 10 entries in batches of 1, 2, 3 and 4, each sealed with a signed checkpoint
  /// as the writer seals them: checkpoints of tree sizes 1, 3, 6 and 10.
  static func signedLog() async throws -> InMemoryStore {
    let store = InMemoryStore()
    var tree = MerkleTree()
    var index = 0
    for size in [1, 2, 3, 4] {
      let batch = (index..<(index + size)).map { AuditAppend(entry: entry($0)) }
      index += size
      let base = tree
      let sealed = try await store.append(batch, origin: signer.name) { stored in
        let leaves = stored.map(\.leafHash)
        let checkpoint = try Checkpoint(
          origin: signer.name, size: base.size + UInt64(leaves.count), rootHash: base.rootHash(appending: leaves))
        return SignedCheckpoint(checkpoint: checkpoint, note: signer.sign(checkpoint: checkpoint))
      }
      for commit in sealed { tree.append(leafHash: commit.entry.leafHash) }
    }
    return store
  }

  @Test("an intact log passes: the tree is rebuilt from the content and the checkpoint covers it")
  func intact() async throws {
    let store = try await Self.signedLog()
    let result = try await AuditLogCheck.run(store: store, signer: Self.signer)
    #expect(result.tree.size == 10)
    #expect(result.checkpoint?.checkpoint.size == 10)
    #expect(result.checkpoint?.checkpoint.rootHash == result.tree.rootHash)
  }

  struct Tampering: Sendable, CustomTestStringConvertible {
    var testDescription: String
    var change: @Sendable (inout [StoredLeaf]) -> Void
    /// The entry the check must name.
    var sequence: UInt64
    var says: String
  }

  static let tamperings: [Tampering] = [
    Tampering(
      testDescription: "an entry's content changed, its stored hash kept",
      change: { $0[6].entry.purpose = "civil-servant-recruitment" }, sequence: 7, says: "no longer matches"),
    Tampering(
      testDescription: "an entry and its stored hash both rewritten",
      change: { log in
        log[4].entry.outcome = .denied
        log[4].leafHash = log[4].entry.leafHash
      }, sequence: 4, says: "one or more of them differ from what the checkpoint of tree size 6 signed"),
    Tampering(
      testDescription: "the last entries deleted",
      change: { $0.removeLast(3) }, sequence: 8, says: "is missing: the checkpoint of tree size 10 covered"),
    Tampering(
      testDescription: "an entry in the middle deleted",
      change: { $0.remove(at: 2) }, sequence: 3, says: "is missing: the next stored entry is 4"),
    Tampering(
      testDescription: "entries renumbered to hide a deletion",
      change: { log in
        log.remove(at: 2)
        for index in 2..<log.count {
          log[index].entry.sequence -= 1
          log[index].leafHash = log[index].entry.leafHash
        }
      }, sequence: 2, says: "one or more of them differ from what the checkpoint of tree size 3 signed"),
  ]

  @Test("a tampered log is refused, naming the first bad entry", arguments: tamperings)
  func tampered(_ tampering: Tampering) async throws {
    let store = try await Self.signedLog()
    store.tamper(origin: Self.signer.name, tampering.change)
    let error = await #expect(throws: AuditLogIntegrityError.self) {
      _ = try await AuditLogCheck.run(store: store, signer: Self.signer)
    }
    #expect(error?.sequence == tampering.sequence, "\(error.map(String.init(describing:)) ?? "")")
    #expect(error?.problem.contains(tampering.says) == true, "\(error?.problem ?? "")")
  }

  @Test("a log checked with another gateway's key is refused")
  func foreignKey() async throws {
    let store = try await Self.signedLog()
    let other = try NoteSigner(name: Self.signer.name, privateKeyRaw: Array(repeating: 4, count: 32))
    let error = await #expect(throws: AuditLogIntegrityError.self) {
      _ = try await AuditLogCheck.run(store: store, signer: other)
    }
    #expect(error?.problem.contains("does not verify") == true)
  }

  @Test("opening a writer on a tampered log fails, and signs nothing")
  func writerRefuses() async throws {
    let store = try await Self.signedLog()
    store.tamper(origin: Self.signer.name) { $0.removeLast() }
    let before = try await store.checkpoints(origin: Self.signer.name)
    await #expect(throws: AuditLogIntegrityError.self) {
      _ = try await AuditWriter.open(store: store, signer: Self.signer)
    }
    #expect(try await store.checkpoints(origin: Self.signer.name) == before)
  }

  @Test("a writer reopened on an intact log goes on from it, and keeps the checkpoints consistent")
  func writerReopens() async throws {
    let store = try await Self.signedLog()
    let writer = try await AuditWriter.open(store: store, signer: Self.signer)
    #expect(try await store.checkpoints(origin: Self.signer.name).count == 4, "nothing new to sign at start")
    let next = try await writer.append(Self.entry(10))
    #expect(next.sequence == 11)
    let checked = try await AuditLogCheck.run(store: store, signer: Self.signer)
    #expect(checked.tree.size == 11)
    #expect(checked.checkpoint == writer.checkpoint)
  }
}
