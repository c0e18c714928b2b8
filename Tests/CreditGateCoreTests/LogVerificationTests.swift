@testable import CreditGateCore
import Foundation
import Testing

@Suite("LogVerification")
struct LogVerificationTests {
  static let origin = "creditgate.example/audit/gw-1"

  /// Ten entries' bytes, their recorded leaf hashes, and the checkpoint over them.
  static func log(count: Int = 10) throws -> (entries: [[UInt8]], leaves: [[UInt8]], checkpoint: Checkpoint) {
    let entries = (1...count).map { Array("entry \($0)".utf8) }
    let leaves = entries.map { MerkleTree.hashLeaf($0) }
    let tree = try MerkleTree(leafHashes: leaves)
    return (entries, leaves, try Checkpoint(origin: origin, size: UInt64(count), rootHash: tree.rootHash))
  }

  @Test("an untouched export verifies")
  func untouched() throws {
    let (entries, leaves, checkpoint) = try Self.log()
    var verification = LogVerification(checkpoint: checkpoint)
    for (index, entry) in entries.enumerated() {
      verification.add(
        sequence: UInt64(index + 1), origin: Self.origin, encoding: entry, recordedLeafHash: leaves[index])
    }
    #expect(verification.failures.isEmpty)
    #expect(verification.treeProblem == nil)
    #expect(verification.isVerified)
  }

  // Issue 8, defect 3: `audit verify` stopped at the first mismatch, so a poisoned entry hid
  // every later one.
  @Test("two corrupted entries are both named, and counted")
  func twoCorrupted() throws {
    let (entries, leaves, checkpoint) = try Self.log()
    var verification = LogVerification(checkpoint: checkpoint)
    for (index, entry) in entries.enumerated() {
      let sequence = UInt64(index + 1)
      // Entry 3's content was changed (a NUL cut the purpose); entry 8 was edited later.
      let sent = sequence == 3 ? Array(entry.prefix(4)) : sequence == 8 ? entry + [0x21] : entry
      verification.add(sequence: sequence, origin: Self.origin, encoding: sent, recordedLeafHash: leaves[index])
    }
    #expect(verification.failures.count == 2)
    #expect(verification.failures.map(\.sequence) == [3, 8])
    #expect(verification.failures.map(\.line) == [3, 8])
    #expect(verification.failures.allSatisfy { $0.reasons.contains { $0.contains("leaf hash") } })
    #expect(verification.treeProblem != nil)
    #expect(!verification.isVerified)
  }

  @Test("a wrong origin, a sequence gap and an unreadable line are each named, and later entries still checked")
  func structuralFailures() throws {
    let (entries, leaves, checkpoint) = try Self.log()
    var verification = LogVerification(checkpoint: checkpoint)
    for (index, entry) in entries.enumerated() {
      let sequence = UInt64(index + 1)
      switch sequence {
      case 2:
        verification.add(sequence: 2, origin: "other.example/log", encoding: entry, recordedLeafHash: leaves[index])
      case 5: verification.addUnreadable("not JSON")
      case 7: verification.add(sequence: 70, origin: Self.origin, encoding: entry, recordedLeafHash: leaves[index])
      case 9: verification.add(sequence: 9, origin: Self.origin, encoding: [1], recordedLeafHash: leaves[index])
      default:
        verification.add(sequence: sequence, origin: Self.origin, encoding: entry, recordedLeafHash: leaves[index])
      }
    }
    #expect(verification.failures.map(\.sequence) == [2, 5, 70, 9])
    #expect(verification.failures[0].reasons == ["its origin is not the checkpoint's"])
    #expect(verification.failures[2].reasons == ["sequence 70 where 7 was expected"])
    #expect(verification.treeProblem == "the root of the first 10 entries does not match the checkpoint")
  }

  @Test("an export shorter than the checkpoint fails as a whole")
  func truncated() throws {
    let (entries, leaves, checkpoint) = try Self.log()
    var verification = LogVerification(checkpoint: checkpoint)
    for index in 0..<8 {
      verification.add(
        sequence: UInt64(index + 1), origin: Self.origin, encoding: entries[index], recordedLeafHash: leaves[index])
    }
    #expect(verification.failures.isEmpty)
    #expect(verification.treeProblem == "the export holds 8 entries; the checkpoint covers 10")
  }
}
