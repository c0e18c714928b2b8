/// What a person's app checks, offline, in the access log the portal returns (ListAccessLog):
/// every entry is a leaf of the signed tree (its inclusion proof leads to the checkpoint's
/// root), and the entries link up through `previousSubjectSequence`, so that one left out —
/// or one not about the person slipped in — shows.
public enum AccessLogVerification {
  /// One entry of the list, as the app recomputed it from the entry it received.
  public struct Item: Sendable, Hashable {
    public var sequence: UInt64
    public var origin: String
    public var subjectPseudonym: String
    public var previousSubjectSequence: UInt64
    /// RFC 9162 leaf hash of the entry's deterministic encoding, recomputed by the app.
    public var leafHash: [UInt8]
    public var proof: [[UInt8]]
    public var treeSize: UInt64

    /// An item of the list.
    public init(
      sequence: UInt64, origin: String, subjectPseudonym: String, previousSubjectSequence: UInt64,
      leafHash: [UInt8], proof: [[UInt8]], treeSize: UInt64
    ) {
      self.sequence = sequence
      self.origin = origin
      self.subjectPseudonym = subjectPseudonym
      self.previousSubjectSequence = previousSubjectSequence
      self.leafHash = leafHash
      self.proof = proof
      self.treeSize = treeSize
    }
  }

  /// Every problem found, naming the entry; empty when the list verifies against `checkpoint`
  /// (whose signature the caller has checked). Entries numbered below `chainStart` were written
  /// before links existed: their inclusion is checked, their links are not.
  public static func problems(_ items: [Item], checkpoint: Checkpoint, chainStart: UInt64 = 1) -> [String] {
    var problems: [String] = []
    let pseudonym = items.first?.subjectPseudonym
    var previous: UInt64 = 0
    for item in items {
      let name = "entry \(item.sequence)"
      if item.origin != checkpoint.origin {
        problems.append("\(name): of the log \"\(item.origin)\", not the checkpoint's \"\(checkpoint.origin)\"")
      }
      if item.subjectPseudonym != pseudonym || item.subjectPseudonym.isEmpty {
        problems.append("\(name): is not about the same subject as the others")
      }
      if item.treeSize != checkpoint.size {
        problems.append("\(name): its proof is for a tree of \(item.treeSize), the checkpoint's has \(checkpoint.size)")
      } else if item.sequence == 0
        || !MerkleVerifier.verifyInclusion(
          leafHash: item.leafHash, leafIndex: item.sequence - 1, treeSize: checkpoint.size, proof: item.proof,
          root: checkpoint.rootHash)
      {
        problems.append("\(name): its inclusion proof does not lead to the signed root (the entry or the proof was altered)")
      }
      if item.sequence <= previous {
        problems.append("\(name): out of sequence order")
      } else if item.sequence >= chainStart, item.previousSubjectSequence != previous {
        problems.append(
          previous == 0
            ? "\(name): links to entry \(item.previousSubjectSequence), which the list does not have: an entry about you was left out"
            : "\(name): links to entry \(item.previousSubjectSequence), not to entry \(previous) before it: an entry about you was left out")
      }
      previous = item.sequence
    }
    return problems
  }
}
