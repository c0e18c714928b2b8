// libFuzzer target: what `creditgate audit verify` does with an export file
// (Sources/creditgate/AuditCommands.swift, `Audit.Verify`): each line parsed as a
// creditgate.v1.ExportedAuditEntry (JSON), re-encoded deterministically, hashed as an RFC 9162
// leaf and appended to a Merkle tree whose root and proofs are then computed and checked
// (Audit/MerkleTree.swift, Audit/MerkleProofs.swift). The same bytes are also decoded as a binary
// creditgate.v1.AuditEntry and compared with the domain's hand-written leaf encoding
// (Audit/AuditEntry+Encoding.swift): for an entry the gateway could have written, the two must
// be byte-equal, or a served entry would not re-hash to its leaf.
// The generated messages (CreditGateProtos/Generated/*.pb.swift) are compiled into this target.
@testable import CreditGateCore
import Foundation
import SwiftProtobuf

private var deterministic: BinaryEncodingOptions {
  var options = BinaryEncodingOptions()
  options.useDeterministicOrdering = true
  return options
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAuditExport(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))

  // 1. The export path, line by line, as Audit.Verify reads it (Audit/LogVerification.swift),
  //    against a checkpoint of the first byte's number of entries.
  var tree = MerkleTree()
  let text = String(decoding: bytes, as: UTF8.self)
  let claimed = try! Checkpoint(origin: "creditgate.local/audit", size: UInt64(bytes.first ?? 0) % 8, rootHash: MerkleTree.emptyRootHash)
  var verification = LogVerification(checkpoint: claimed)
  var readable = 0
  for line in text.split(separator: "\n").prefix(64) {
    guard let item = try? Creditgate_V1_ExportedAuditEntry(jsonString: String(line)),
      let encoded: [UInt8] = try? item.entry.serializedBytes(options: deterministic)
    else {
      verification.addUnreadable("not an exported entry")
      continue
    }
    readable += 1
    verification.add(sequence: item.entry.sequence, origin: item.entry.origin, encoding: encoded,
                     recordedLeafHash: Array(item.leafHash))
    tree.append(leafHash: MerkleTree.hashLeaf(encoded))
    differential(item.entry)
  }
  _ = verification.treeProblem
  precondition(!verification.isVerified || claimed.size == 0 || verification.failures.isEmpty)
  precondition(verification.failures.allSatisfy { !$0.reasons.isEmpty })
  _ = verification.failures.map(\.description)
  if tree.size > 0 {
    let size = tree.size
    let root = tree.rootHash
    precondition((try? tree.rootHash(size: size)) == root)
    let index = UInt64(bytes.first ?? 0) % size
    if let proof = try? tree.inclusionProof(leafIndex: index, treeSize: size), let leaf = try? tree.leafHash(at: index) {
      precondition(MerkleVerifier.verifyInclusion(leafHash: leaf, leafIndex: index, treeSize: size, proof: proof, root: root),
                   "an inclusion proof from the tree does not verify")
    }
    let first = UInt64(bytes.last ?? 0) % (size + 1)
    if let proof = try? tree.consistencyProof(from: first, to: size), let firstRoot = try? tree.rootHash(size: first) {
      precondition(MerkleVerifier.verifyConsistency(firstSize: first, secondSize: size, firstRoot: firstRoot, secondRoot: root, proof: proof),
                   "a consistency proof from the tree does not verify")
    }
  }

  // 2. The bytes as a binary entry (the leaf data itself).
  if let entry = try? Creditgate_V1_AuditEntry(serializedBytes: bytes) { differential(entry) }

  // 3. The bytes as a proof, against arbitrary sizes: the verifiers must be total.
  if size >= 16 {
    let a = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    let b = bytes.dropFirst(8).prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    let hashes = stride(from: 16, to: size - 31, by: 32).map { Array(bytes[$0..<$0 + 32]) }
    let root = hashes.first ?? MerkleTree.emptyRootHash
    _ = MerkleVerifier.verifyConsistency(firstSize: a, secondSize: b, firstRoot: root, secondRoot: hashes.last ?? root, proof: hashes)
    _ = MerkleVerifier.verifyInclusion(leafHash: root, leafIndex: a, treeSize: b, proof: hashes, root: hashes.last ?? root)
  }
  return 0
}

/// The domain's encoding of an entry the gateway could have written equals SwiftProtobuf's.
private func differential(_ message: Creditgate_V1_AuditEntry) {
  guard message.unknownFields.data.isEmpty, message.time.unknownFields.data.isEmpty,
    let outcome = AuditOutcome(rawValue: message.outcome),
    (0..<4_102_444_800).contains(message.time.seconds),  // 1970 to 2100: what "now" can be
    message.time.nanos >= 0, message.time.nanos % 1000 == 0, message.time.nanos < 1_000_000_000
  else { return }
  let time = Date(timeIntervalSince1970: Double(message.time.seconds) + Double(message.time.nanos / 1000) / 1_000_000)
  let entry = AuditEntry(
    sequence: message.sequence, origin: message.origin, time: time,
    institutionID: message.institutionID, certificateFingerprint: message.certificateFingerprint,
    operatorID: message.operatorID, method: message.method, purpose: message.purpose,
    consentID: message.consentID, subjectPseudonym: message.subjectPseudonym, outcome: outcome,
    statusCode: Int(message.statusCode), reason: message.reason,
    categoriesDisclosed: message.categoriesDisclosed, recordsDisclosed: Int(message.recordsDisclosed),
    responseDigest: message.responseDigest)
  var canonical = message
  canonical.time = message.time  // a set time, as the domain always writes it
  guard let reference: [UInt8] = try? canonical.serializedBytes(options: deterministic) else { return }
  if entry.leafBytes != reference {
    let (s, n) = entry.time.protobufSecondsAndNanos
    preconditionFailure("the domain's leaf encoding differs from SwiftProtobuf's (time \(message.time.seconds).\(message.time.nanos) -> \(s).\(n))")
  }
}
