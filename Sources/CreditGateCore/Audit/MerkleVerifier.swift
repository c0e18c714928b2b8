// MARK: - Verification (RFC 9162 §2.1.3.2 and §2.1.4.2)

/// Checks Merkle proofs against root hashes, without the tree.
public enum MerkleVerifier {
  /// Whether `proof` shows that `leafHash` is leaf `leafIndex` of the tree of size `treeSize`
  /// whose root is `root` (RFC 9162 §2.1.3.2).
  public static func verifyInclusion(
    leafHash: [UInt8], leafIndex: UInt64, treeSize: UInt64, proof: [[UInt8]], root: [UInt8]
  ) -> Bool {
    guard leafIndex < treeSize, leafHash.count == MerkleTree.hashSize,
      root.count == MerkleTree.hashSize, proof.allSatisfy({ $0.count == MerkleTree.hashSize })
    else { return false }
    var fn = leafIndex
    var sn = treeSize - 1
    var r = leafHash
    for p in proof {
      if sn == 0 { return false }
      if fn & 1 == 1 || fn == sn {
        r = MerkleTree.hashChildren(p, r)
        while fn & 1 == 0 && fn != 0 {
          fn >>= 1
          sn >>= 1
        }
      } else {
        r = MerkleTree.hashChildren(r, p)
      }
      fn >>= 1
      sn >>= 1
    }
    return sn == 0 && r == root
  }

  /// Whether `proof` shows that the tree of size `firstSize` and root `firstRoot` is a prefix of
  /// the tree of size `secondSize` and root `secondRoot` (RFC 9162 §2.1.4.2).
  ///
  /// Equal sizes need an empty proof and equal roots; size 0 needs an empty proof and the empty
  /// tree's root as `firstRoot` (every tree extends the empty one).
  public static func verifyConsistency(
    firstSize: UInt64, secondSize: UInt64, firstRoot: [UInt8], secondRoot: [UInt8],
    proof: [[UInt8]]
  ) -> Bool {
    guard firstSize <= secondSize, firstRoot.count == MerkleTree.hashSize,
      secondRoot.count == MerkleTree.hashSize,
      proof.allSatisfy({ $0.count == MerkleTree.hashSize })
    else { return false }
    if firstSize == secondSize { return proof.isEmpty && firstRoot == secondRoot }
    if firstSize == 0 { return proof.isEmpty && firstRoot == MerkleTree.emptyRootHash }
    guard !proof.isEmpty else { return false }

    var path = proof
    if firstSize.nonzeroBitCount == 1 { path.insert(firstRoot, at: 0) }
    var fn = firstSize - 1
    var sn = secondSize - 1
    while fn & 1 == 1 {
      fn >>= 1
      sn >>= 1
    }
    var fr = path[0]
    var sr = path[0]
    for c in path.dropFirst() {
      if sn == 0 { return false }
      if fn & 1 == 1 || fn == sn {
        fr = MerkleTree.hashChildren(c, fr)
        sr = MerkleTree.hashChildren(c, sr)
        while fn & 1 == 0 && fn != 0 {
          fn >>= 1
          sn >>= 1
        }
      } else {
        sr = MerkleTree.hashChildren(sr, c)
      }
      fn >>= 1
      sn >>= 1
    }
    return fr == firstRoot && sr == secondRoot && sn == 0
  }
}
