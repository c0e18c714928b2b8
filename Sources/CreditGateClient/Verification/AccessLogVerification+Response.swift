public import CreditGateCore
public import CreditGateProtos
import SwiftProtobuf

extension AccessLogVerification {
  /// What verifying a ListAccessLog answer found.
  public struct Report: Sendable {
    /// The checkpoint whose signature was checked.
    public var checkpoint: Checkpoint
    public var entries: Int
    /// Empty when every entry is in the signed tree and the list links up.
    public var problems: [String]
  }

  /// Verifies a ListAccessLog answer offline, as the person's app would: checks the checkpoint's
  /// signature with the log's verifier key (throws if it does not verify), re-encodes each
  /// entry deterministically to recompute its leaf hash, and checks each inclusion proof and the
  /// per-subject links (`problems(_:checkpoint:)`).
  public static func verify(
    _ response: Creditgate_V1_ListAccessLogResponse, verifier: NoteVerifier
  ) throws -> Report {
    let checkpoint = try verifier.verify(note: response.checkpoint.signedNote)
    var problems: [String] = []
    var options = BinaryEncodingOptions()
    options.useDeterministicOrdering = true
    var items: [Item] = []
    for item in response.entries {
      let entry = item.entry
      let bytes: [UInt8] = try entry.serializedBytes(options: options)
      if item.sequence != entry.sequence || item.institutionID != entry.institutionID || item.method != entry.method
        || item.purpose != entry.purpose || item.outcome != entry.outcome
      {
        problems.append("entry \(item.sequence): the summary does not match the entry it came with")
      }
      let proof = item.inclusionProof.compactMap { [UInt8](hex: $0) }
      if proof.count != item.inclusionProof.count {
        problems.append("entry \(item.sequence): its inclusion proof is not hex")
      }
      items.append(
        Item(
          sequence: entry.sequence, origin: entry.origin, subjectPseudonym: entry.subjectPseudonym,
          previousSubjectSequence: entry.previousSubjectSequence,
          leafHash: MerkleTree.hashLeaf(bytes), proof: proof,
          treeSize: item.treeSize))
    }
    problems += Self.problems(items, checkpoint: checkpoint, chainStart: max(response.chainStart, 1))
    return Report(checkpoint: checkpoint, entries: items.count, problems: problems)
  }
}
