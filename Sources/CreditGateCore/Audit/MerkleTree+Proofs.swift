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

