import CreditGateCore
import CreditGateProtos
import CreditGateSQLite
import CreditGateServer
import CreditGateTestKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import SwiftProtobuf
import Testing

/// The audit log as a verifiable log (DESIGN §8), end to end over mutual TLS: signed checkpoints,
/// inclusion and consistency proofs checked the way an outside auditor would — from the entries
/// `SearchAuditLog` serves, re-encoded and hashed, never from the gateway's own tree — group
/// commit under concurrent calls, and a tree that survives a restart.
@Suite("Verifiable audit log over mutual TLS")
struct AuditLogEndToEndTests {
  static let operatorMetadata: Metadata = ["x-operator-id": "officer-merkle"]
  static let liNa = "330102198506150040"
  static let zhangWei = "33010619900101123X"
  static let getCheckpoint = "/creditgate.v1.Oversight/GetCheckpoint"
  /// Beyond any log these tests grow.
  static let farOutside: UInt64 = 1_000_000

  // MARK: The auditor's side: leaves and roots from served entries

  /// A served entry's leaf hash as anyone computes it: SHA-256(0x00 ‖ deterministic encoding).
  static func leafHash(_ entry: Creditgate_V1_AuditEntry) throws -> [UInt8] {
    var options = BinaryEncodingOptions()
    options.useDeterministicOrdering = true
    return MerkleTree.hashLeaf(try entry.serializedBytes(options: options) as [UInt8])
  }

  /// MTH(D[n]) straight from RFC 9162 §2.1.1's recursive definition, independent of
  /// `MerkleTree`'s stored subtrees.
  static func treeHash(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
    guard leaves.count > 1 else { return leaves.first ?? MerkleTree.emptyRootHash }
    var k = 1
    while k * 2 < leaves.count { k *= 2 }
    let split = leaves.startIndex + k
    return MerkleTree.hashChildren(treeHash(leaves[..<split]), treeHash(leaves[split...]))
  }

  /// The verifier key an auditor is given for the gateway whose data folder is `data`.
  static func verifierKey(origin: String, data: URL) throws -> String {
    let key = try Data(contentsOf: data.appending(path: "audit-signing.key"))
    return try NoteSigner(name: origin, privateKeyRaw: Array(key)).publicVerifierKey
  }

  // MARK: Calls

  /// `count` answered calls (identity checks and statutory profiles), one after another;
  /// returns their query ids.
  static func answerCalls(_ gateway: TestGateway, count: Int) async throws -> [UInt64] {
    try await gateway.connection(as: "demo-hr-bureau").withClient { client in
      let query = Creditgate_V1_CreditQuery.Client(wrapping: client)
      var ids: [UInt64] = []
      for index in 0..<count {
        if index.isMultiple(of: 3) {
          ids.append(
            try await query.getProfile(
              .with {
                $0.subjectCode = liNa
                $0.purpose = "civil-servant-recruitment"
              }, metadata: operatorMetadata
            ).queryID)
        } else {
          ids.append(
            try await query.verifyIdentity(
              .with {
                $0.subjectCode = zhangWei
                $0.name = index.isMultiple(of: 2) ? "张伟" : "张三"
                $0.purpose = "admin-licensing"
              }, metadata: operatorMetadata
            ).queryID)
        }
      }
      return ids
    }
  }

  /// The privacy office's oversight calls over one connection.
  struct Office {
    let oversight: Creditgate_V1_Oversight.Client<HTTP2ClientTransport.Posix>

    init(_ client: GRPCClient<HTTP2ClientTransport.Posix>) {
      oversight = Creditgate_V1_Oversight.Client(wrapping: client)
    }

    /// The checkpoint and the query id of the GetCheckpoint call's own audit entry.
    func checkpoint(origin: String = "") async throws -> (Creditgate_V1_Checkpoint, queryID: UInt64) {
      try await oversight.getCheckpoint(.with { $0.origin = origin }) { response in
        let queryID = response.trailingMetadata[stringValues: "x-query-id"].first(where: { _ in true })
        return (try response.message, UInt64(try #require(queryID)) ?? 0)
      }
    }

    func entries() async throws -> [Creditgate_V1_AuditEntry] {
      try await oversight.searchAuditLog(.with { $0.limit = 10_000 }) { response in
        var entries: [Creditgate_V1_AuditEntry] = []
        for try await entry in response.messages { entries.append(entry) }
        return entries
      }
    }

    func inclusionProof(sequence: UInt64, treeSize: UInt64, origin: String = "") async throws
      -> Creditgate_V1_InclusionProof
    {
      try await oversight.getInclusionProof(
        .with {
          $0.origin = origin
          $0.sequence = sequence
          $0.treeSize = treeSize
        })
    }

    func consistencyProof(first: UInt64, second: UInt64, origin: String = "") async throws -> [[UInt8]] {
      try await oversight.getConsistencyProof(
        .with {
          $0.origin = origin
          $0.firstSize = first
          $0.secondSize = second
        }
      ).hashes.map { Array($0) }
    }
  }

  // MARK: 1. Checkpoints

  @Test("a checkpoint covers exactly the entries committed before it, is signed, and its root is the served entries' tree")
  func checkpointCoversTheLog() async throws {
    try await TestGateway.withRunning { gateway in
      let answered = try await Self.answerCalls(gateway, count: 5)
      #expect(answered == [1, 2, 3, 4, 5])

      try await gateway.connection(as: "demo-privacy-office").withClient { client in
        let office = Office(client)
        let (checkpoint, queryID) = try await office.checkpoint()
        // The handler reads the checkpoint before the call's own entry is committed (the entry
        // records the answer, so it cannot be in it): the checkpoint covers the five answered
        // calls, and the GetCheckpoint call itself is entry 6, committed before the answer.
        #expect(checkpoint.treeSize == 5)
        #expect(queryID == checkpoint.treeSize + 1)
        #expect(checkpoint.origin == gateway.gateway.auditOrigin)

        let vkey = try Self.verifierKey(
          origin: checkpoint.origin, data: gateway.directory.appending(path: "data"))
        let signed = try NoteVerifier(vkey: vkey).verify(note: checkpoint.signedNote)
        #expect(signed.origin == checkpoint.origin)
        #expect(signed.size == checkpoint.treeSize)
        #expect(signed.rootHash == Array(checkpoint.rootHash))
        let stranger = try NoteSigner(
          name: checkpoint.origin, privateKeyRaw: [UInt8](repeating: 7, count: 32)
        ).publicVerifierKey
        #expect(throws: SignedNoteError.self) {
          try NoteVerifier(vkey: stranger).verify(note: checkpoint.signedNote)
        }

        // The search is committed after it has collected the entries: it serves the five calls
        // and the GetCheckpoint call, and only the first five are under the checkpoint.
        let entries = try await office.entries()
        #expect(entries.map(\.sequence) == [1, 2, 3, 4, 5, 6])
        #expect(entries.last?.method == Self.getCheckpoint)
        #expect(entries.allSatisfy { $0.origin == checkpoint.origin })
        let leaves = try entries.map(Self.leafHash)
        #expect(Self.treeHash(leaves.prefix(Int(checkpoint.treeSize))) == Array(checkpoint.rootHash))
        // By now the search's own entry is in the gateway's tree too: entry 7.
        let tree = gateway.gateway.auditWriter.tree
        #expect(tree.size == 7)
        #expect(Self.treeHash(leaves[...]) == (try tree.rootHash(size: 6)))
      }
    }
  }

  // MARK: 2. Proofs

  @Test("every entry's inclusion proof verifies against the checkpoint root")
  func inclusionProofs() async throws {
    try await TestGateway.withRunning { gateway in
      _ = try await Self.answerCalls(gateway, count: 11)
      try await gateway.connection(as: "demo-privacy-office").withClient { client in
        let office = Office(client)
        let (checkpoint, _) = try await office.checkpoint()
        #expect(checkpoint.treeSize == 11)
        let root = Array(checkpoint.rootHash)
        let leaves = try await office.entries().prefix(Int(checkpoint.treeSize)).map(Self.leafHash)
        #expect(leaves.count == 11)

        for sequence in 1...checkpoint.treeSize {
          let proof = try await office.inclusionProof(sequence: sequence, treeSize: checkpoint.treeSize)
          #expect(proof.leafIndex == sequence - 1)
          #expect(proof.treeSize == checkpoint.treeSize)
          let hashes = proof.hashes.map { Array($0) }
          #expect(
            MerkleVerifier.verifyInclusion(
              leafHash: leaves[Int(sequence - 1)], leafIndex: sequence - 1,
              treeSize: checkpoint.treeSize, proof: hashes, root: root),
            "entry \(sequence)")
          // The same path does not vouch for a neighbour's leaf.
          let neighbour = leaves[Int(sequence) % leaves.count]
          #expect(
            !MerkleVerifier.verifyInclusion(
              leafHash: neighbour, leafIndex: sequence - 1, treeSize: checkpoint.treeSize,
              proof: hashes, root: root),
            "entry \(sequence) with its neighbour's leaf")
        }

        // The log's own origin, named explicitly, is served like the empty one.
        let named = try await office.inclusionProof(
          sequence: 3, treeSize: checkpoint.treeSize, origin: gateway.gateway.auditOrigin)
        #expect(
          MerkleVerifier.verifyInclusion(
            leafHash: leaves[2], leafIndex: 2, treeSize: checkpoint.treeSize,
            proof: named.hashes.map { Array($0) }, root: root))
      }
    }
  }

  @Test("consistency proofs between two checkpoints, and from every earlier size, verify")
  func consistencyProofs() async throws {
    try await TestGateway.withRunning { gateway in
      _ = try await Self.answerCalls(gateway, count: 3)
      let office = gateway.connection(as: "demo-privacy-office")
      let (first, _) = try await office.withClient { try await Office($0).checkpoint() }
      _ = try await Self.answerCalls(gateway, count: 6)
      try await office.withClient { client in
        let office = Office(client)
        let (second, _) = try await office.checkpoint()
        // 3 calls, the first GetCheckpoint, 6 calls.
        #expect(first.treeSize == 3)
        #expect(second.treeSize == 10)

        let proof = try await office.consistencyProof(first: first.treeSize, second: second.treeSize)
        #expect(!proof.isEmpty)
        #expect(
          MerkleVerifier.verifyConsistency(
            firstSize: first.treeSize, secondSize: second.treeSize,
            firstRoot: Array(first.rootHash), secondRoot: Array(second.rootHash), proof: proof))
        // Not for a first root the log never had.
        #expect(
          !MerkleVerifier.verifyConsistency(
            firstSize: first.treeSize, secondSize: second.treeSize,
            firstRoot: Array(second.rootHash), secondRoot: Array(second.rootHash), proof: proof))

        // From every earlier size, against roots the auditor computes from the served entries.
        let leaves = try await office.entries().prefix(Int(second.treeSize)).map(Self.leafHash)
        #expect(Self.treeHash(leaves[...]) == Array(second.rootHash))
        for size in 0...second.treeSize {
          let proof = try await office.consistencyProof(first: size, second: second.treeSize)
          #expect(
            MerkleVerifier.verifyConsistency(
              firstSize: size, secondSize: second.treeSize,
              firstRoot: Self.treeHash(leaves.prefix(Int(size))),
              secondRoot: Array(second.rootHash), proof: proof),
            "from size \(size)")
        }
      }
    }
  }

  struct BadRequest: Sendable {
    var label: String
    var code: RPCError.Code
    var field: String
    var call: @Sendable (Office) async throws -> Void
  }

  static let badRequests: [BadRequest] = [
    BadRequest(label: "inclusion of sequence 0", code: .invalidArgument, field: "sequence") {
      _ = try await $0.inclusionProof(sequence: 0, treeSize: 0)
    },
    BadRequest(label: "inclusion of a sequence beyond the log", code: .invalidArgument, field: "sequence") {
      _ = try await $0.inclusionProof(sequence: farOutside, treeSize: 0)
    },
    BadRequest(label: "inclusion of a sequence beyond the tree size", code: .invalidArgument, field: "sequence") {
      _ = try await $0.inclusionProof(sequence: 3, treeSize: 2)
    },
    BadRequest(label: "inclusion in a tree larger than the log", code: .invalidArgument, field: "tree_size") {
      _ = try await $0.inclusionProof(sequence: 1, treeSize: farOutside)
    },
    BadRequest(label: "consistency with first_size > second_size", code: .invalidArgument, field: "first_size") {
      _ = try await $0.consistencyProof(first: 3, second: 2)
    },
    BadRequest(label: "consistency from a size beyond the log", code: .invalidArgument, field: "first_size") {
      _ = try await $0.consistencyProof(first: farOutside, second: 0)
    },
    BadRequest(label: "consistency to a size beyond the log", code: .invalidArgument, field: "second_size") {
      _ = try await $0.consistencyProof(first: 1, second: farOutside)
    },
    BadRequest(label: "checkpoint of another log", code: .notFound, field: "origin") {
      _ = try await $0.checkpoint(origin: "elsewhere.example/audit")
    },
    BadRequest(label: "inclusion in another log", code: .notFound, field: "origin") {
      _ = try await $0.inclusionProof(sequence: 1, treeSize: 1, origin: "elsewhere.example/audit")
    },
    BadRequest(label: "consistency in another log", code: .notFound, field: "origin") {
      _ = try await $0.consistencyProof(first: 1, second: 2, origin: "elsewhere.example/audit")
    },
  ]

  @Test("out-of-range proof requests name the field; another origin is NOT_FOUND; all are audited")
  func badProofRequests() async throws {
    try await TestGateway.withRunning { gateway in
      _ = try await Self.answerCalls(gateway, count: 3)
      try await gateway.connection(as: "demo-privacy-office").withClient { client in
        let office = Office(client)
        for bad in Self.badRequests {
          let error = try await #require(throws: RPCError.self, "\(bad.label)") { try await bad.call(office) }
          #expect(error.code == bad.code, "\(bad.label): \(error.message)")
          #expect(error.message.hasPrefix(bad.field + ":"), "\(bad.label): \(error.message)")
          let queryID = error.metadata[stringValues: "x-query-id"].first(where: { _ in true })
          let entry = try #require(try await gateway.auditEntries().last, "\(bad.label)")
          #expect(queryID == String(entry.sequence), "\(bad.label)")
          #expect(entry.reason == error.message, "\(bad.label)")
        }
      }
    }
  }

  // MARK: 3. Group commit

  static let concurrentCalls = 64

  @Test("concurrent calls get distinct query ids, are all in the log and the tree, and share commits")
  func groupCommit() async throws {
    try await TestGateway.withRunning { gateway in
      let ids = try await gateway.connection(as: "demo-hr-bureau").withClient { client in
        let query = Creditgate_V1_CreditQuery.Client(wrapping: client)
        return try await withThrowingTaskGroup(of: UInt64.self) { group in
          for index in 0..<Self.concurrentCalls {
            group.addTask {
              try await query.verifyIdentity(
                .with {
                  $0.subjectCode = Self.zhangWei
                  $0.name = index.isMultiple(of: 2) ? "张伟" : "张三"
                  $0.purpose = "admin-licensing"
                }, metadata: Self.operatorMetadata
              ).queryID
            }
          }
          var ids: [UInt64] = []
          for try await id in group { ids.append(id) }
          return ids
        }
      }
      #expect(ids.count == Self.concurrentCalls)
      #expect(Set(ids).count == Self.concurrentCalls)

      let entries = try await gateway.auditEntries()
      #expect(entries.map(\.sequence) == Array(1...UInt64(Self.concurrentCalls)))
      #expect(Set(entries.map(\.sequence)) == Set(ids))
      #expect(entries.allSatisfy { $0.method == "/creditgate.v1.CreditQuery/VerifyIdentity" })

      // The tree took the batches' leaves in sequence order.
      let writer = gateway.gateway.auditWriter
      #expect(writer.tree.size == UInt64(Self.concurrentCalls))
      #expect(Self.treeHash(entries.map(\.leafHash)[...]) == writer.tree.rootHash)
      #expect(writer.checkpoint?.checkpoint.size == UInt64(Self.concurrentCalls))

      // Whether the calls overlap is up to the scheduler (AuditWriterTests.concurrentAppends
      // proves the batching with a held commit). What must hold whatever the interleaving:
      // every batch was sealed with its own stored checkpoint, and the last covers every entry.
      let batches = writer.batchCount
      let kept = try await gateway.gateway.store.checkpoints(origin: gateway.gateway.auditOrigin)
      // The empty tree's checkpoint, signed at start, then one per batch.
      #expect(kept.first?.checkpoint.size == 0)
      #expect(kept.count == batches + 1)
      #expect(kept.map(\.checkpoint.size) == kept.map(\.checkpoint.size).sorted())
      #expect(kept.last == writer.checkpoint)
      Attachment.record(
        "\(batches) commits for \(entries.count) entries (\(entries.count - batches) saved by group commit)",
        named: "group-commit.txt")
    }
  }

  // MARK: 4. Restart

  @Test("a checkpoint survives a restart: the tree is rebuilt from the stored leaf hashes")
  func checkpointSurvivesRestart() async throws {
    let data = FileManager.default.temporaryDirectory
      .appending(path: "creditgate-audit-restart-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: data) }
    let configure: (inout GatewayConfiguration) throws -> Void = { $0.dataDirectory = data.path }

    let (before, vkey) = try await TestGateway.withRunning(configure: configure) { gateway in
      _ = try await Self.answerCalls(gateway, count: 4)
      let (checkpoint, _) = try await gateway.connection(as: "demo-privacy-office").withClient {
        try await Office($0).checkpoint()
      }
      #expect(checkpoint.treeSize == 4)
      return (checkpoint, try Self.verifierKey(origin: checkpoint.origin, data: data))
    }

    try await TestGateway.withRunning(configure: configure) { gateway in
      // Before any call: the four calls and the GetCheckpoint call of the first run.
      let writer = gateway.gateway.auditWriter
      #expect(writer.tree.size == 5)
      #expect(try await gateway.auditEntries().map(\.sequence) == [1, 2, 3, 4, 5])
      #expect(writer.tree.rootHash == Self.treeHash(try await gateway.auditEntries().map(\.leafHash)[...]))

      try await gateway.connection(as: "demo-privacy-office").withClient { client in
        let office = Office(client)
        let (after, queryID) = try await office.checkpoint()
        #expect(after.treeSize == 5)
        #expect(queryID == 6)
        // Signed with the same key, which the auditor was given during the first run.
        let signed = try NoteVerifier(vkey: vkey).verify(note: after.signedNote)
        #expect(signed.size == 5)
        #expect(signed.rootHash == Array(after.rootHash))

        let leaves = try await office.entries().prefix(5).map(Self.leafHash)
        #expect(Self.treeHash(leaves.prefix(4)) == Array(before.rootHash))
        #expect(Self.treeHash(leaves[...]) == Array(after.rootHash))
        let proof = try await office.consistencyProof(first: before.treeSize, second: after.treeSize)
        #expect(
          MerkleVerifier.verifyConsistency(
            firstSize: before.treeSize, secondSize: after.treeSize,
            firstRoot: Array(before.rootHash), secondRoot: Array(after.rootHash), proof: proof))
        let inclusion = try await office.inclusionProof(sequence: 1, treeSize: before.treeSize)
        #expect(
          MerkleVerifier.verifyInclusion(
            leafHash: leaves[0], leafIndex: 0, treeSize: before.treeSize,
            proof: inclusion.hashes.map { Array($0) }, root: Array(before.rootHash)))
      }
    }
  }

  struct Tampering: Sendable, CustomTestStringConvertible {
    var testDescription: String
    var sql: String
    var sequence: UInt64
  }

  static let tamperings: [Tampering] = [
    Tampering(testDescription: "an answered call rewritten as refused",
      sql: "UPDATE audit_entry SET outcome = 'DENIED', status_code = 7 WHERE sequence = 2", sequence: 2),
    Tampering(testDescription: "the last entries deleted", sql: "DELETE FROM audit_entry WHERE sequence > 3", sequence: 4),
    Tampering(testDescription: "an entry in the middle deleted", sql: "DELETE FROM audit_entry WHERE sequence = 3", sequence: 3),
    Tampering(testDescription: "an entry and its stored leaf hash rewritten together",
      sql: "UPDATE audit_entry SET purpose = 'awards', leaf_hash = NULL WHERE sequence = 4", sequence: 4),
  ]

  @Test("a gateway refuses to start on a tampered database, naming the first bad entry, and signs nothing", arguments: tamperings)
  func refusesTamperedLog(_ tampering: Tampering) async throws {
    let data = FileManager.default.temporaryDirectory
      .appending(path: "creditgate-audit-tamper-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: data) }
    let configure: (inout GatewayConfiguration) throws -> Void = { $0.dataDirectory = data.path }
    _ = try await TestGateway.withRunning(configure: configure) { gateway in
      try await Self.answerCalls(gateway, count: 5)
    }
    let path = data.appending(path: "creditgate.sqlite").path
    let checkpointsBefore = try await SQLiteStore.open(path: path).checkpoints(origin: "creditgate.local/audit")
    try await SQLiteStore.open(path: path).executeAsOperator(tampering.sql)

    let error = await #expect(throws: AuditLogIntegrityError.self) {
      try await TestGateway.withRunning(configure: configure) { _ in }
    }
    #expect(error?.sequence == tampering.sequence, "\(error.map(String.init(describing:)) ?? "")")
    #expect(try await SQLiteStore.open(path: path).checkpoints(origin: "creditgate.local/audit") == checkpointsBefore)
  }

  @Test("AuditWriter.open over a reopened SQLite store rebuilds the same tree and goes on from it")
  func writerReopensTheStore() async throws {
    let folder = FileManager.default.temporaryDirectory
      .appending(path: "creditgate-audit-writer-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = "sqlite:" + folder.appending(path: "audit.sqlite").path
    let signer = try NoteSigner(name: "creditgate.test/audit", privateKeyRaw: [UInt8](repeating: 3, count: 32))
    let verifier = try NoteVerifier(vkey: signer.publicVerifierKey)
    func entry(_ index: Int) -> AuditEntry {
      AuditEntry(
        origin: signer.name, time: Date(timeIntervalSince1970: 1_760_000_000 + Double(index) * 0.000_123),
        institutionID: "demo-hr-bureau", certificateFingerprint: String(repeating: "ab", count: 32),
        operatorID: "op-\(index)", method: "/creditgate.v1.CreditQuery/VerifyIdentity",
        purpose: "admin-licensing", subjectPseudonym: String(repeating: "5e", count: 32),
        outcome: .answered, statusCode: 0, categoriesDisclosed: ["identity"], recordsDisclosed: 1,
        responseDigest: String(repeating: "d1", count: 32))
    }

    let first = try await AuditWriter.open(store: try GatewayStorage.open(url), signer: signer)
    var committed: [AuditEntry] = []
    for index in 0..<7 { committed.append(try await first.append(entry(index))) }
    #expect(committed.map(\.sequence) == Array(1...7))
    let before = try #require(first.checkpoint)
    #expect(before.checkpoint.size == 7)
    #expect(before.checkpoint.rootHash == Self.treeHash(committed.map(\.leafHash)[...]))

    let reopened = try await AuditWriter.open(store: try GatewayStorage.open(url), signer: signer)
    #expect(reopened.tree == first.tree)
    let restored = try #require(reopened.checkpoint)
    #expect(restored.checkpoint == before.checkpoint)
    #expect(try verifier.verify(note: restored.note) == before.checkpoint)

    let next = try await reopened.append(entry(7))
    #expect(next.sequence == 8)
    let after = try #require(reopened.checkpoint)
    #expect(after.checkpoint.size == 8)
    #expect(after.checkpoint.rootHash == Self.treeHash((committed + [next]).map(\.leafHash)[...]))
    #expect(
      MerkleVerifier.verifyConsistency(
        firstSize: 7, secondSize: 8, firstRoot: before.checkpoint.rootHash,
        secondRoot: after.checkpoint.rootHash,
        proof: try reopened.tree.consistencyProof(from: 7, to: 8)))
  }
}
