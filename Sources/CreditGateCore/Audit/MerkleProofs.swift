/// A request the Merkle tree cannot answer: an index or size outside the tree, or a malformed hash.
public struct MerkleTreeError: Error, Sendable, Hashable, CustomStringConvertible {
  public struct Code: Sendable, Hashable, CustomStringConvertible {
    enum Wrapped: String, Sendable, Hashable {
      case indexOutOfRange = "INDEX_OUT_OF_RANGE"
      case sizeOutOfRange = "SIZE_OUT_OF_RANGE"
      case invalidHash = "INVALID_HASH"
    }
    let wrapped: Wrapped
    /// A leaf index at or beyond the tree size it was asked about.
    public static let indexOutOfRange = Self(wrapped: .indexOutOfRange)
    /// A tree size larger than the tree, or sizes in the wrong order.
    public static let sizeOutOfRange = Self(wrapped: .sizeOutOfRange)
    /// A hash that is not 32 bytes long.
    public static let invalidHash = Self(wrapped: .invalidHash)
    public var description: String { wrapped.rawValue }
  }

  public var code: Code
  public var message: String

  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { "\(code): \(message)" }
}

// MARK: - Proofs (RFC 9162 §2.1.3.1 and §2.1.4.1)

extension MerkleTree {
  /// The audit path of leaf `leafIndex` in the tree of the first `treeSize` leaves: PATH(m, D[n]),
  /// from the leaf's sibling up to the root's child.
  public func inclusionProof(leafIndex: UInt64, treeSize: UInt64) throws -> [[UInt8]] {
    guard treeSize <= size else {
      throw MerkleTreeError(
        .sizeOutOfRange, "tree size \(treeSize) is larger than the tree (\(size) leaves)")
    }
    guard leafIndex < treeSize else {
      throw MerkleTreeError(
        .indexOutOfRange, "leaf index \(leafIndex) is outside a tree of size \(treeSize)")
    }
    var proof: [[UInt8]] = []
    path(Int(leafIndex), start: 0, count: Int(treeSize), into: &proof)
    return proof
  }

  /// The proof that the tree of the first `from` leaves is a prefix of the tree of the first `to`
  /// leaves: PROOF(m, D[n]) = SUBPROOF(m, D[n], true). Empty when `from` is 0 or equals `to`.
  public func consistencyProof(from first: UInt64, to second: UInt64) throws -> [[UInt8]] {
    guard second <= size else {
      throw MerkleTreeError(
        .sizeOutOfRange, "tree size \(second) is larger than the tree (\(size) leaves)")
    }
    guard first <= second else {
      throw MerkleTreeError(
        .sizeOutOfRange, "first size \(first) is larger than second size \(second)")
    }
    guard first > 0, first < second else { return [] }
    var proof: [[UInt8]] = []
    subproof(Int(first), start: 0, count: Int(second), complete: true, into: &proof)
    return proof
  }

  private func path(_ m: Int, start: Int, count: Int, into proof: inout [[UInt8]]) {
    guard count > 1 else { return }
    let k = Self.largestPowerOfTwo(below: count)
    if m < k {
      path(m, start: start, count: k, into: &proof)
      proof.append(subtreeHash(start: start + k, count: count - k))
    } else {
      path(m - k, start: start + k, count: count - k, into: &proof)
      proof.append(subtreeHash(start: start, count: k))
    }
  }

  /// `complete` is the RFC's `b`: whether the subtree `start ..< start + m` is a subtree of the
  /// first tree whose hash the verifier already knows.
  private func subproof(
    _ m: Int, start: Int, count: Int, complete: Bool, into proof: inout [[UInt8]]
  ) {
    if m == count {
      if !complete { proof.append(subtreeHash(start: start, count: count)) }
      return
    }
    let k = Self.largestPowerOfTwo(below: count)
    if m <= k {
      subproof(m, start: start, count: k, complete: complete, into: &proof)
      proof.append(subtreeHash(start: start + k, count: count - k))
    } else {
      subproof(m - k, start: start + k, count: count - k, complete: false, into: &proof)
      proof.append(subtreeHash(start: start, count: k))
    }
  }
}

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
