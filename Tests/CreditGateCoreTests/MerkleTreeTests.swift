@testable import CreditGateCore
import Crypto
import Testing

extension MerkleTreeTests {
  /// The certificate-transparency test data (RFC 6962 test suites of CT, Trillian and
  /// transparency-dev/merkle), with the roots and proofs those suites publish.
  enum CTVectors {
    static let leafData: [[UInt8]] = [
      "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
      "606162636465666768696a6b6c6d6e6f",
    ].map(bytes(hex:))

    /// MTH of the first `size` leaves, for `size` 0...8.
    static let roots: [String] = [
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    struct Proof: Sendable, CustomTestStringConvertible {
      var first: UInt64  // the leaf index, or the first tree size
      var second: UInt64  // the tree size, or the second tree size
      var hashes: [String]
      var testDescription: String { "(\(first), \(second))" }
    }

    static let inclusionProofs: [Proof] = [
      .init(
        first: 0, second: 8,
        hashes: [
          "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ]),
      .init(
        first: 5, second: 8,
        hashes: [
          "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
          "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]),
      .init(
        first: 2, second: 3,
        hashes: [
          "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"
        ]),
      .init(
        first: 1, second: 5,
        hashes: [
          "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ]),
      .init(first: 0, second: 1, hashes: []),
    ]

    static let consistencyProofs: [Proof] = [
      .init(first: 1, second: 1, hashes: []),
      .init(
        first: 1, second: 8,
        hashes: [
          "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ]),
      .init(
        first: 6, second: 8,
        hashes: [
          "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
          "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]),
      .init(
        first: 2, second: 5,
        hashes: [
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ]),
    ]
  }

  /// RFC 9162 §2.1 written as literally as possible, over leaf hashes, with its own hashing: the
  /// reference the tree's O(log n) implementation is compared with.
  enum Reference {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
    static func leaf(_ data: [UInt8]) -> [UInt8] { sha256([0x00] + data) }
    static func node(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] { sha256([0x01] + left + right) }

    static func split(_ n: Int) -> Int {
      var k = 1
      while k * 2 < n { k *= 2 }
      return k
    }

    static func mth(_ d: ArraySlice<[UInt8]>) -> [UInt8] {
      switch d.count {
      case 0: return sha256([])
      case 1: return d.first!
      default:
        let k = split(d.count)
        return node(mth(d.prefix(k)), mth(d.dropFirst(k)))
      }
    }

    static func path(_ m: Int, _ d: ArraySlice<[UInt8]>) -> [[UInt8]] {
      guard d.count > 1 else { return [] }
      let k = split(d.count)
      if m < k { return path(m, d.prefix(k)) + [mth(d.dropFirst(k))] }
      return path(m - k, d.dropFirst(k)) + [mth(d.prefix(k))]
    }

    static func subproof(_ m: Int, _ d: ArraySlice<[UInt8]>, _ b: Bool) -> [[UInt8]] {
      if m == d.count { return b ? [] : [mth(d)] }
      let k = split(d.count)
      if m <= k { return subproof(m, d.prefix(k), b) + [mth(d.dropFirst(k))] }
      return subproof(m - k, d.dropFirst(k), false) + [mth(d.prefix(k))]
    }
  }

  struct Pair: Sendable, CustomTestStringConvertible {
    var first: UInt64
    var second: UInt64
    var testDescription: String { "(\(first), \(second))" }
  }
}

@Suite("MerkleTree")
struct MerkleTreeTests {
  static let ctLeafHashes = CTVectors.leafData.map(Reference.leaf)
  /// Leaves of the generated trees: the bytes of "leaf 0", "leaf 1", …
  static let leafHashes = (0..<64).map { Reference.leaf(Array("leaf \($0)".utf8)) }
  static let inclusionCases = (1...20).flatMap { n in
    (0..<n).map { Pair(first: UInt64($0), second: UInt64(n)) }
  }
  static let consistencyCases = (0...20).flatMap { n in
    (0...n).map { Pair(first: UInt64($0), second: UInt64(n)) }
  }

  let ctTree: MerkleTree
  let tree: MerkleTree

  init() throws {
    ctTree = try MerkleTree(leafHashes: Self.ctLeafHashes)
    tree = try MerkleTree(leafHashes: Self.leafHashes)
  }

  // MARK: Published vectors

  @Test("leaf and node hashing follow RFC 9162")
  func hashing() {
    #expect(MerkleTree.emptyRootHash == bytes(hex: CTVectors.roots[0]))
    #expect(MerkleTree.hashLeaf([UInt8]()) == bytes(hex: CTVectors.roots[1]))
    #expect(MerkleTree.hashLeaf([0x00]) == Reference.sha256([0x00, 0x00]))
    let (l, r) = (Self.ctLeafHashes[0], Self.ctLeafHashes[1])
    #expect(MerkleTree.hashChildren(l, r) == bytes(hex: CTVectors.roots[2]))
  }

  @Test("roots of the CT test data", arguments: 0...8)
  func ctRoots(size: Int) throws {
    let expected = bytes(hex: CTVectors.roots[size])
    #expect(try MerkleTree(leafHashes: Self.ctLeafHashes.prefix(size)).rootHash == expected)
    #expect(try ctTree.rootHash(size: UInt64(size)) == expected)
    #expect(Reference.mth(Self.ctLeafHashes.prefix(size)) == expected)
  }

  @Test("the root with leaves appended equals the reference root of the longer tree, for every split")
  func rootAppending() throws {
    for size in 0...20 {
      let tree = try MerkleTree(leafHashes: Self.leafHashes.prefix(size))
      for added in 0...12 {
        let leaves = Array(Self.leafHashes[size..<(size + added)])
        #expect(
          tree.rootHash(appending: leaves) == Reference.mth(Self.leafHashes.prefix(size + added)),
          "size \(size) + \(added)")
      }
    }
  }

  @Test("published inclusion proofs", arguments: CTVectors.inclusionProofs)
  func ctInclusion(_ vector: CTVectors.Proof) throws {
    let proof = try ctTree.inclusionProof(leafIndex: vector.first, treeSize: vector.second)
    #expect(proof.map(hex) == vector.hashes)
    #expect(
      MerkleVerifier.verifyInclusion(
        leafHash: Self.ctLeafHashes[Int(vector.first)], leafIndex: vector.first,
        treeSize: vector.second, proof: proof, root: bytes(hex: CTVectors.roots[Int(vector.second)])
      ))
  }

  @Test("published consistency proofs", arguments: CTVectors.consistencyProofs)
  func ctConsistency(_ vector: CTVectors.Proof) throws {
    let proof = try ctTree.consistencyProof(from: vector.first, to: vector.second)
    #expect(proof.map(hex) == vector.hashes)
    #expect(
      MerkleVerifier.verifyConsistency(
        firstSize: vector.first, secondSize: vector.second,
        firstRoot: bytes(hex: CTVectors.roots[Int(vector.first)]),
        secondRoot: bytes(hex: CTVectors.roots[Int(vector.second)]), proof: proof))
  }

  // MARK: Hand-checked

  @Test("a 3-leaf tree, by hand")
  func threeLeaves() throws {
    let leaves = Array(Self.leafHashes.prefix(3))
    let tree = try MerkleTree(leafHashes: leaves)
    let left = Reference.node(leaves[0], leaves[1])
    #expect(tree.rootHash == Reference.node(left, leaves[2]))
    #expect(try tree.inclusionProof(leafIndex: 2, treeSize: 3) == [left])
    #expect(try tree.inclusionProof(leafIndex: 0, treeSize: 3) == [leaves[1], leaves[2]])
    #expect(try tree.inclusionProof(leafIndex: 1, treeSize: 3) == [leaves[0], leaves[2]])
    #expect(try tree.inclusionProof(leafIndex: 0, treeSize: 1) == [])
    #expect(try tree.consistencyProof(from: 1, to: 3) == [leaves[1], leaves[2]])
    #expect(try tree.consistencyProof(from: 2, to: 3) == [leaves[2]])
    #expect(try tree.consistencyProof(from: 1, to: 2) == [leaves[1]])
    #expect(try tree.consistencyProof(from: 0, to: 3) == [])
    #expect(try tree.consistencyProof(from: 3, to: 3) == [])
  }

  // MARK: Against the reference

  @Test("rootHash(size:) equals the recursive MTH", arguments: 0...64)
  func rootAtSize(size: Int) throws {
    #expect(try tree.rootHash(size: UInt64(size)) == Reference.mth(Self.leafHashes.prefix(size)))
  }

  @Test("appending agrees with rebuilding from the leaf hashes, and keeps history")
  func appendAndRebuild() throws {
    var appended = MerkleTree()
    var roots = [appended.rootHash]
    for (index, hash) in Self.leafHashes.enumerated() {
      appended.append(leafHash: hash)
      roots.append(appended.rootHash)
      let rebuilt = try MerkleTree(leafHashes: Self.leafHashes.prefix(index + 1))
      #expect(appended == rebuilt)
      #expect(appended.size == UInt64(index + 1))
      #expect(try appended.leafHash(at: UInt64(index)) == hash)
    }
    for size in roots.indices {
      #expect(try appended.rootHash(size: UInt64(size)) == roots[size])
    }
  }

  @Test("inclusion proofs match RFC 9162 PATH and verify", arguments: inclusionCases)
  func inclusion(_ pair: Pair) throws {
    let (index, size) = (pair.first, pair.second)
    let proof = try tree.inclusionProof(leafIndex: index, treeSize: size)
    let leaves = Self.leafHashes.prefix(Int(size))
    #expect(proof == Reference.path(Int(index), leaves))
    let leaf = Self.leafHashes[Int(index)]
    let root = Reference.mth(leaves)
    #expect(
      MerkleVerifier.verifyInclusion(
        leafHash: leaf, leafIndex: index, treeSize: size, proof: proof, root: root))

    // Each of these must fail (the corruptions of Trillian's verifier tests). A size one larger is
    // not among them: a path of the same shape can serve the larger tree, so only the signed
    // checkpoint binds root and size together.
    var probes: [(String, UInt64, UInt64, [UInt8], [[UInt8]], [UInt8])] = [
      ("index + 1", index + 1, size, leaf, proof, root),
      ("index ^ 2", index ^ 2, size, leaf, proof, root),
      ("size * 2", index, size * 2, leaf, proof, root),
      ("size / 2", index, size / 2, leaf, proof, root),
      ("other leaf", index, size, Self.leafHashes[63], proof, root),
      ("empty root", index, size, leaf, proof, MerkleTree.emptyRootHash),
      (
        "other root", index, size, leaf, proof, Reference.mth(Self.leafHashes.prefix(Int(size) + 1))
      ),
      ("short root", index, size, leaf, proof, Array(root.dropLast())),
      ("trailing root", index, size, leaf, proof + [root], root),
      ("preceding root", index, size, leaf, [root] + proof, root),
      ("trailing garbage", index, size, leaf, proof + [[]], root),
    ]
    if index > 0 { probes.append(("index - 1", index - 1, size, leaf, proof, root)) }
    if !proof.isEmpty {
      probes.append(("removed component", index, size, leaf, proof.dropLast(), root))
    }
    for position in proof.indices {
      var flipped = proof
      flipped[position][position % 32] ^= 0x08
      probes.append(("flipped bit in proof[\(position)]", index, size, leaf, flipped, root))
    }
    for (name, index, size, leaf, proof, root) in probes {
      #expect(
        !MerkleVerifier.verifyInclusion(
          leafHash: leaf, leafIndex: index, treeSize: size, proof: proof, root: root),
        "\(name)")
    }
  }

  @Test("consistency proofs match RFC 9162 SUBPROOF and verify", arguments: consistencyCases)
  func consistency(_ pair: Pair) throws {
    let (m, n) = (pair.first, pair.second)
    let proof = try tree.consistencyProof(from: m, to: n)
    let expected =
      m == 0 || m == n ? [] : Reference.subproof(Int(m), Self.leafHashes.prefix(Int(n)), true)
    #expect(proof == expected)
    let (root1, root2) = (try tree.rootHash(size: m), try tree.rootHash(size: n))
    #expect(
      MerkleVerifier.verifyConsistency(
        firstSize: m, secondSize: n, firstRoot: root1, secondRoot: root2, proof: proof))

    // Proofs between distinct non-empty trees must fail under each corruption.
    guard !proof.isEmpty else { return }
    var probes: [(String, UInt64, UInt64, [UInt8], [UInt8], [[UInt8]])] = [
      ("m - 1", m - 1, n, root1, root2, proof),
      ("m + 1", m + 1, n, root1, root2, proof),
      ("m ^ 2", m ^ 2, n, root1, root2, proof),
      ("n * 2", m, n * 2, root1, root2, proof),
      ("n / 2", m, n / 2, root1, root2, proof),
      ("wrong root1", m, n, MerkleTree.emptyRootHash, root2, proof),
      ("wrong root2", m, n, root1, MerkleTree.emptyRootHash, proof),
      ("swapped roots", m, n, root2, root1, proof),
      ("empty proof", m, n, root1, root2, []),
      ("trailing root1", m, n, root1, root2, proof + [root1]),
      ("trailing root2", m, n, root1, root2, proof + [root2]),
      ("preceding root1", m, n, root1, root2, [root1] + proof),
      ("preceding root2", m, n, root1, root2, [root2] + proof),
      ("preceding proof[0]", m, n, root1, root2, [proof[0]] + proof),
      ("truncated", m, n, root1, root2, proof.dropLast()),
      ("trailing garbage", m, n, root1, root2, proof + [[]]),
    ]
    for position in proof.indices {
      var flipped = proof
      flipped[position][31 - position % 32] ^= 0x10
      probes.append(("flipped bit in proof[\(position)]", m, n, root1, root2, flipped))
    }
    for (name, m, n, root1, root2, proof) in probes {
      #expect(
        !MerkleVerifier.verifyConsistency(
          firstSize: m, secondSize: n, firstRoot: root1, secondRoot: root2, proof: proof),
        "\(name)")
    }
  }

  // MARK: Edges and errors

  struct ConsistencyEdge: Sendable, CustomTestStringConvertible {
    var name: String
    var first: UInt64
    var second: UInt64
    var firstRoot: [UInt8]
    var secondRoot: [UInt8]
    var proof: [[UInt8]]
    var valid: Bool
    var testDescription: String { name }
  }

  static let empty = MerkleTree.emptyRootHash
  static let someRoot = Reference.mth(leafHashes.prefix(1))
  static let otherRoot = Reference.mth(leafHashes.prefix(2))

  /// After Trillian's `TestVerifyConsistencyProof`; unlike Trillian, size 0 needs the empty root.
  static let consistencyEdges: [ConsistencyEdge] = [
    .init(
      name: "0 → 0", first: 0, second: 0, firstRoot: empty, secondRoot: empty, proof: [],
      valid: true),
    .init(
      name: "0 → 1", first: 0, second: 1, firstRoot: empty, secondRoot: someRoot, proof: [],
      valid: true),
    .init(
      name: "1 → 1", first: 1, second: 1, firstRoot: someRoot, secondRoot: someRoot, proof: [],
      valid: true),
    .init(
      name: "1 → 1, roots differ", first: 1, second: 1, firstRoot: someRoot, secondRoot: otherRoot,
      proof: [], valid: false),
    .init(
      name: "0 → 1, not the empty root", first: 0, second: 1, firstRoot: otherRoot,
      secondRoot: someRoot, proof: [], valid: false),
    .init(
      name: "0 → 1, non-empty proof", first: 0, second: 1, firstRoot: empty, secondRoot: someRoot,
      proof: [empty], valid: false),
    .init(
      name: "1 → 1, non-empty proof", first: 1, second: 1, firstRoot: someRoot,
      secondRoot: someRoot, proof: [empty], valid: false),
    .init(
      name: "1 → 0, time travel", first: 1, second: 0, firstRoot: someRoot, secondRoot: empty,
      proof: [], valid: false),
    .init(
      name: "2 → 1, time travel", first: 2, second: 1, firstRoot: otherRoot, secondRoot: someRoot,
      proof: [], valid: false),
    .init(
      name: "1 → 2, empty proof", first: 1, second: 2, firstRoot: someRoot, secondRoot: otherRoot,
      proof: [], valid: false),
    .init(
      name: "1 → 2, valid", first: 1, second: 2, firstRoot: someRoot, secondRoot: otherRoot,
      proof: [leafHashes[1]], valid: true),
  ]

  @Test("consistency verification at the edges", arguments: consistencyEdges)
  func consistencyEdge(_ edge: ConsistencyEdge) {
    #expect(
      MerkleVerifier.verifyConsistency(
        firstSize: edge.first, secondSize: edge.second, firstRoot: edge.firstRoot,
        secondRoot: edge.secondRoot, proof: edge.proof) == edge.valid)
  }

  @Test("inclusion verification at the edges")
  func inclusionEdges() {
    let leaf = Self.leafHashes[0]
    #expect(
      MerkleVerifier.verifyInclusion(
        leafHash: leaf, leafIndex: 0, treeSize: 1, proof: [], root: leaf))
    #expect(
      !MerkleVerifier.verifyInclusion(
        leafHash: leaf, leafIndex: 0, treeSize: 0, proof: [], root: leaf))
    #expect(
      !MerkleVerifier.verifyInclusion(
        leafHash: leaf, leafIndex: 1, treeSize: 1, proof: [], root: leaf))
    #expect(
      !MerkleVerifier.verifyInclusion(
        leafHash: leaf, leafIndex: 0, treeSize: 1, proof: [], root: Self.empty))
    #expect(
      !MerkleVerifier.verifyInclusion(leafHash: [], leafIndex: 0, treeSize: 1, proof: [], root: []))
  }

  @Test("out-of-range requests throw")
  func errors() {
    let cases: [(MerkleTreeError.Code, () throws -> Any)] = [
      (.indexOutOfRange, { try tree.inclusionProof(leafIndex: 5, treeSize: 5) }),
      (.indexOutOfRange, { try tree.inclusionProof(leafIndex: 0, treeSize: 0) }),
      (.indexOutOfRange, { try tree.leafHash(at: 64) }),
      (.sizeOutOfRange, { try tree.inclusionProof(leafIndex: 0, treeSize: 65) }),
      (.sizeOutOfRange, { try tree.consistencyProof(from: 3, to: 2) }),
      (.sizeOutOfRange, { try tree.consistencyProof(from: 1, to: 65) }),
      (.sizeOutOfRange, { try tree.rootHash(size: 65) }),
      (.invalidHash, { try MerkleTree(leafHashes: [[UInt8]](repeating: [1, 2, 3], count: 1)) }),
    ]
    for (code, body) in cases {
      let error = #expect(throws: MerkleTreeError.self) { _ = try body() }
      #expect(error?.code == code)
      #expect(error?.message.isEmpty == false)
    }
  }
}

private func bytes(hex: String) -> [UInt8] {
  var result: [UInt8] = []
  var index = hex.startIndex
  while index < hex.endIndex {
    let next = hex.index(index, offsetBy: 2)
    result.append(UInt8(hex[index..<next], radix: 16)!)
    index = next
  }
  return result
}

private func hex(_ bytes: [UInt8]) -> String {
  bytes.map {
    String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16)
  }.joined()
}
