import Crypto
public import Foundation

/// The audit log's Merkle tree, hashed as in RFC 9162 §2.1: a leaf is SHA-256(0x00 ‖ data), an
/// interior node SHA-256(0x01 ‖ left ‖ right), and the empty tree SHA-256("").
///
/// The tree keeps every complete perfect subtree: level `k` holds, in order, the hash of each
/// run of 2^k leaves starting at a multiple of 2^k. Appending costs O(1) hashes amortised, and
/// the root of any earlier size is assembled from O(log n) stored subtrees.
public struct MerkleTree: Sendable, Hashable {
  /// The length of every hash in the tree (SHA-256).
  public static let hashSize = 32

  /// `levels[k]` holds the hashes of level `k`, concatenated: hash `i` is at
  /// `i * hashSize ..< (i + 1) * hashSize`. Flat storage spares one allocation per hash.
  private var levels: [[UInt8]] = [[]]

  /// An empty tree.
  public init() {}

  /// A tree holding the given leaf hashes, in order; throws if one is not 32 bytes long.
  public init(leafHashes: some Sequence<[UInt8]>) throws {
    for (index, hash) in leafHashes.enumerated() {
      guard hash.count == Self.hashSize else {
        throw MerkleTreeError(
          .invalidHash, "leaf hash \(index) is \(hash.count) bytes, expected \(Self.hashSize)")
      }
      append(leafHash: hash)
    }
  }

  /// The number of leaves.
  public var size: UInt64 { UInt64(levels[0].count / Self.hashSize) }

  /// The root hash of the whole tree.
  public var rootHash: [UInt8] { subtreeHash(start: 0, count: levels[0].count / Self.hashSize) }

  /// The root hash the tree would have with `leafHashes` appended, without appending them: from
  /// the tree's right edge (one stored subtree per set bit of its size) and the new leaves, in
  /// O(log n + k) hashes.
  public func rootHash(appending leafHashes: [[UInt8]]) -> [UInt8] {
    guard !leafHashes.isEmpty else { return rootHash }
    // The perfect subtrees of the tree's right edge, largest first, as (level, hash).
    var edge: [(level: Int, hash: [UInt8])] = []
    var start = 0
    let count = levels[0].count / Self.hashSize
    for level in stride(from: Int.bitWidth - 1, through: 0, by: -1) where count & (1 << level) != 0 {
      edge.append((level, storedHash(level: level, index: start >> level)))
      start += 1 << level
    }
    for leaf in leafHashes {
      var node = (level: 0, hash: leaf)
      while let last = edge.last, last.level == node.level {
        edge.removeLast()
        node = (node.level + 1, Self.hashChildren(last.hash, node.hash))
      }
      edge.append(node)
    }
    // RFC 9162's root of a tree that is not perfect folds its right edge from the right.
    var root = edge.removeLast().hash
    while let left = edge.popLast() { root = Self.hashChildren(left.hash, root) }
    return root
  }

  /// The root hash the tree had when it held its first `size` leaves.
  public func rootHash(size: UInt64) throws -> [UInt8] {
    guard size <= self.size else {
      throw MerkleTreeError(
        .sizeOutOfRange, "tree size \(size) is larger than the tree (\(self.size) leaves)")
    }
    return subtreeHash(start: 0, count: Int(size))
  }

  /// The hash of leaf `index`.
  public func leafHash(at index: UInt64) throws -> [UInt8] {
    guard index < size else {
      throw MerkleTreeError(
        .indexOutOfRange, "leaf index \(index) is outside the tree (\(size) leaves)")
    }
    return storedHash(level: 0, index: Int(index))
  }

  /// Appends a leaf by its hash (`MerkleTree.hashLeaf(data)`, or `AuditEntry.leafHash`).
  public mutating func append(leafHash: [UInt8]) {
    precondition(leafHash.count == Self.hashSize, "a leaf hash is 32 bytes")
    levels[0].append(contentsOf: leafHash)
    // Each append completes one new subtree per level for as long as the level's count is even.
    var level = 0
    while (levels[level].count / Self.hashSize).isMultiple(of: 2) {
      let end = levels[level].count
      let parent = Self.hashChildren(
        levels[level][(end - 2 * Self.hashSize)..<(end - Self.hashSize)],
        levels[level][(end - Self.hashSize)..<end])
      if levels.count == level + 1 { levels.append([]) }
      levels[level + 1].append(contentsOf: parent)
      level += 1
    }
  }

  /// MTH of leaves `start ..< start + count`. Every range the RFC's recursions produce starts at
  /// a multiple of a power of two at least as large as its count, so the left part of each split
  /// is a stored subtree and only the right part recurses: O(log n) steps.
  func subtreeHash(start: Int, count: Int) -> [UInt8] {
    if count == 0 { return Self.emptyRootHash }
    if count.nonzeroBitCount == 1, start.isMultiple(of: count) {
      return storedHash(level: count.trailingZeroBitCount, index: start / count)
    }
    let split = Self.largestPowerOfTwo(below: count)
    return Self.hashChildren(
      subtreeHash(start: start, count: split),
      subtreeHash(start: start + split, count: count - split))
  }

  private func storedHash(level: Int, index: Int) -> [UInt8] {
    Array(levels[level][(index * Self.hashSize)..<((index + 1) * Self.hashSize)])
  }

  /// The largest power of two strictly smaller than `n` (`n` ≥ 2): RFC 9162's split point `k`.
  static func largestPowerOfTwo(below n: Int) -> Int {
    precondition(n >= 2)
    return 1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount)
  }
}

// MARK: - Hashing

extension MerkleTree {
  /// MTH({}) = SHA-256 of the empty string.
  public static let emptyRootHash: [UInt8] = Array(SHA256.hash(data: [UInt8]()))

  /// The hash of a leaf: SHA-256(0x00 ‖ data).
  public static func hashLeaf(_ data: some DataProtocol) -> [UInt8] {
    var hasher = SHA256()
    hasher.update(data: [0x00] as [UInt8])
    hasher.update(data: data)
    return Array(hasher.finalize())
  }

  /// The hash of an interior node: SHA-256(0x01 ‖ left ‖ right).
  public static func hashChildren(_ left: some DataProtocol, _ right: some DataProtocol) -> [UInt8]
  {
    var hasher = SHA256()
    hasher.update(data: [0x01] as [UInt8])
    hasher.update(data: left)
    hasher.update(data: right)
    return Array(hasher.finalize())
  }
}
