@testable import CreditGateCore
import Crypto
import Foundation
import Testing

@Suite("Signed notes and checkpoints")
struct SignedNoteTests {
  /// The example of golang.org/x/mod/sumdb/note (its package documentation and note_test.go).
  enum GoReference {
    static let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    /// The base64 part of `PRIVATE+KEY+PeterNeumann+c74f20a3+…`: 0x01 and the Ed25519 seed.
    static let signerKeyBase64 = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    static let text = """
      If you think cryptography is the answer to your problem,
      then you don't know what your problem is.

      """
    static let note =
      text + "\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2"
      + "pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    static var seed: [UInt8] { Array(Data(base64Encoded: signerKeyBase64)!.dropFirst()) }
  }

  static let origin = "creditgate.example/audit/gw-1"
  static let root = Array(SHA256.hash(data: Array("root".utf8)))

  let signer: NoteSigner
  let verifier: NoteVerifier
  let checkpoint: Checkpoint

  init() throws {
    signer = try NoteSigner(name: Self.origin, privateKeyRaw: Array(repeating: 7, count: 32))
    verifier = try NoteVerifier(vkey: signer.publicVerifierKey)
    checkpoint = try Checkpoint(origin: Self.origin, size: 42, rootHash: Self.root)
  }

  // MARK: The Go reference

  @Test("the Go reference key and note")
  func goReference() throws {
    let signer = try NoteSigner(name: "PeterNeumann", privateKeyRaw: GoReference.seed)
    #expect(signer.publicVerifierKey == GoReference.vkey)
    #expect(signer.keyID == 0xc74f_20a3)

    let verifier = try NoteVerifier(vkey: GoReference.vkey)
    #expect(verifier.name == "PeterNeumann")
    #expect(verifier.keyID == 0xc74f_20a3)
    #expect(try verifier.verifiedText(note: GoReference.note) == GoReference.text)
    // The Go note's text is not a checkpoint.
    let error = #expect(throws: SignedNoteError.self) {
      try verifier.verify(note: GoReference.note)
    }
    #expect(error?.code == .malformedCheckpoint)

    let ours = signer.signNote(text: GoReference.text)
    #expect(try verifier.verifiedText(note: ours) == GoReference.text)
    #if !canImport(CryptoKit)
      // BoringSSL's Ed25519 is deterministic (RFC 8032), as Go's is; CryptoKit's is randomised.
      #expect(ours == GoReference.note)
    #endif
  }

  @Test("the key id is the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)")
  func keyID() throws {
    for name in ["PeterNeumann", Self.origin, "审计日志"] {
      let signer = try NoteSigner(name: name, privateKeyRaw: GoReference.seed)
      let publicKey = Array(
        try Curve25519.Signing.PrivateKey(rawRepresentation: GoReference.seed).publicKey
          .rawRepresentation)
      var input = Array(name.utf8)
      input.append(0x0A)
      input.append(0x01)
      input += publicKey
      let digest = Array(SHA256.hash(data: input))
      let expected =
        UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8
        | UInt32(digest[3])
      #expect(signer.keyID == expected)
      let hex = digest.prefix(4).map { String(format: "%02x", $0) }.joined()
      #expect(
        signer.publicVerifierKey
          == "\(name)+\(hex)+\(Data([0x01] + publicKey).base64EncodedString())")
    }
  }

  // MARK: Round trips

  static let checkpoints: [(origin: String, size: UInt64, root: [UInt8])] = [
    (origin, 0, MerkleTree.emptyRootHash),
    (origin, 1, root),
    (origin, 42, root),
    (origin, UInt64.max, root),
    ("征信网关 审计/1", 1_000_000, root),
  ]

  @Test("sign then verify returns the checkpoint", arguments: checkpoints.indices)
  func roundTrip(index: Int) throws {
    let (origin, size, root) = Self.checkpoints[index]
    let checkpoint = try Checkpoint(origin: origin, size: size, rootHash: root)
    let note = signer.sign(checkpoint: checkpoint)
    #expect(
      note.hasPrefix(
        "\(origin)\n\(size)\n\(Data(root).base64EncodedString())\n\n\u{2014} \(Self.origin) "))
    #expect(try verifier.verify(note: note) == checkpoint)
    #expect(try verifier.verify(noteBytes: Array(note.utf8)) == checkpoint)
    #expect(try Checkpoint(body: checkpoint.body) == checkpoint)
  }

  @Test("the verifier key parses back")
  func verifierKeyRoundTrip() throws {
    let parsed = try NoteVerifier(vkey: signer.publicVerifierKey)
    #expect(parsed.name == signer.name)
    #expect(parsed.keyID == signer.keyID)
    let parts = signer.publicVerifierKey.split(separator: "+", maxSplits: 2)
    #expect(parts.count == 3)
    #expect(parts[0] == Self.origin)
    #expect(parts[1].count == 8 && parts[1] == parts[1].lowercased())
    #expect(Data(base64Encoded: String(parts[2]))?.count == 33)
  }

  @Test("a note with other signatures still verifies by ours")
  func otherSignaturesIgnored() throws {
    let other = try NoteSigner(
      name: "witness.example", privateKeyRaw: Array(repeating: 9, count: 32))
    let note = signer.sign(checkpoint: checkpoint)
    let otherLine = other.sign(checkpoint: checkpoint).split(separator: "\n").last!
    let combined =
      checkpoint.body + "\n" + otherLine + "\n" + note.split(separator: "\n").last! + "\n"
    #expect(try verifier.verify(note: combined) == checkpoint)
  }

  // MARK: Rejections

  struct Rejection: Sendable, CustomTestStringConvertible {
    var name: String
    var code: SignedNoteError.Code
    /// Makes the note to verify from a validly signed note and its checkpoint.
    var tamper: @Sendable (_ note: String, _ checkpoint: Checkpoint) throws -> String
    var testDescription: String { name }
  }

  static let rejections: [Rejection] = [
    .init(name: "a changed size", code: .invalidSignature) { note, _ in
      note.replacingOccurrences(of: "\n42\n", with: "\n43\n")
    },
    .init(name: "a changed origin byte", code: .invalidSignature) { note, _ in
      "d" + note.dropFirst()
    },
    .init(name: "a changed root hash", code: .invalidSignature) { note, checkpoint in
      let other = try Checkpoint(
        origin: checkpoint.origin, size: checkpoint.size, rootHash: MerkleTree.emptyRootHash)
      return note.replacingOccurrences(of: checkpoint.body, with: other.body)
    },
    .init(name: "a different key under the same name", code: .noMatchingSignature) {
      _, checkpoint in
      try NoteSigner(name: origin, privateKeyRaw: Array(repeating: 8, count: 32)).sign(
        checkpoint: checkpoint)
    },
    .init(name: "a signature line for another name", code: .noMatchingSignature) { _, checkpoint in
      try NoteSigner(name: "other.example", privateKeyRaw: Array(repeating: 7, count: 32)).sign(
        checkpoint: checkpoint)
    },
    .init(name: "another key's signature under our key id", code: .invalidSignature) {
      note, checkpoint in
      let forged = try NoteSigner(name: origin, privateKeyRaw: Array(repeating: 8, count: 32)).sign(
        checkpoint: checkpoint)
      let ours = Data(base64Encoded: String(note.split(separator: " ").last!.dropLast()))!
      let theirs = Data(base64Encoded: String(forged.split(separator: " ").last!.dropLast()))!
      let blob = Data(ours.prefix(4) + theirs.dropFirst(4)).base64EncodedString()
      return checkpoint.body + "\n\u{2014} \(origin) \(blob)\n"
    },
    .init(name: "a truncated signature", code: .invalidSignature) { note, checkpoint in
      let blob = Data(base64Encoded: String(note.split(separator: " ").last!.dropLast()))!
      return checkpoint.body
        + "\n\u{2014} \(origin) \(Data(blob.dropLast(3)).base64EncodedString())\n"
    },
    .init(name: "no final newline", code: .malformedNote) { note, _ in String(note.dropLast()) },
    .init(name: "no signature lines", code: .malformedNote) { _, checkpoint in
      checkpoint.body + "\n"
    },
    .init(name: "the body alone", code: .malformedNote) { _, checkpoint in checkpoint.body },
    .init(name: "truncated inside the signature", code: .malformedNote) { note, _ in
      String(note.dropLast(6)) + "\n"
    },
    .init(name: "a hyphen for the em dash", code: .malformedNote) { note, _ in
      note.replacingOccurrences(of: "\u{2014} ", with: "- ")
    },
    .init(name: "a control character", code: .malformedNote) { note, _ in
      note.replacingOccurrences(of: "\n42\n", with: "\n42\t\n")
    },
    .init(name: "a signature too short", code: .malformedNote) { _, checkpoint in
      checkpoint.body + "\n\u{2014} \(origin) AAAA\n"
    },
    .init(name: "101 signature lines", code: .malformedNote) { note, _ in
      let line = String(note.split(separator: "\n").last!) + "\n"
      return note + String(repeating: line, count: 100)
    },
    .init(name: "a malformed body", code: .malformedCheckpoint) { _, _ in
      try NoteSigner(name: origin, privateKeyRaw: Array(repeating: 7, count: 32))
        .signNote(text: "\(origin)\n042\n\(Data(root).base64EncodedString())\n")
    },
  ]

  @Test("tampered and malformed notes are rejected", arguments: rejections)
  func rejection(_ rejection: Rejection) throws {
    let note = try rejection.tamper(signer.sign(checkpoint: checkpoint), checkpoint)
    let error = #expect(throws: SignedNoteError.self) { try verifier.verify(note: note) }
    #expect(error?.code == rejection.code)
  }

  @Test("a note that is not UTF-8 is rejected")
  func notUTF8() {
    var bytes = Array(signer.sign(checkpoint: checkpoint).utf8)
    bytes[0] = 0xFF
    let error = #expect(throws: SignedNoteError.self) { try verifier.verify(noteBytes: bytes) }
    #expect(error?.code == .malformedNote)
  }

  static let base64Root = Data(root).base64EncodedString()

  static let malformedBodies: [String] = [
    "o\n1\n\(base64Root)",  // no final newline
    "o\n1\n",
    "o\n1\n\(base64Root)\nextension\n",
    "\n1\n\(base64Root)\n",  // empty origin
    "o\tp\n1\n\(base64Root)\n",
    "o\r\n1\r\n\(base64Root)\r\n",
    "o\n\n\(base64Root)\n",
    "o\n01\n\(base64Root)\n",
    "o\n+1\n\(base64Root)\n",
    "o\n-1\n\(base64Root)\n",
    "o\n 1\n\(base64Root)\n",
    "o\n1a\n\(base64Root)\n",
    "o\n١\n\(base64Root)\n",  // an Arabic-Indic digit
    "o\n18446744073709551616\n\(base64Root)\n",
    "o\n1\n!!!!\n",
    "o\n1\n\(String(base64Root.dropLast()))\n",  // no padding
    "o\n1\n\(Data(root.dropLast()).base64EncodedString())\n",  // 31 bytes
    "o\n1\n\(Data(root + [0]).base64EncodedString())\n",  // 33 bytes
    "o\n1\n\(String(base64Root.dropLast(2)) + "B=")\n",  // non-zero padding bits
  ]

  @Test("malformed checkpoint bodies are rejected", arguments: malformedBodies)
  func malformedBody(_ body: String) {
    let error = #expect(throws: SignedNoteError.self) { try Checkpoint(body: body) }
    #expect(error?.code == .malformedCheckpoint)
  }

  @Test("well-formed checkpoint bodies parse")
  func wellFormedBodies() throws {
    #expect(try Checkpoint(body: "o\n0\n\(Self.base64Root)\n").size == 0)
    #expect(try Checkpoint(body: "o\n18446744073709551615\n\(Self.base64Root)\n").size == .max)
    #expect(try Checkpoint(body: "a b+c\n10\n\(Self.base64Root)\n").origin == "a b+c")
  }

  static let badNames = ["", "a b", "a+b", "a\u{A0}b", "a\u{2003}b", "a\nb", " a"]

  @Test("key names follow the Go reference", arguments: badNames)
  func badName(_ name: String) {
    let error = #expect(throws: SignedNoteError.self) {
      try NoteSigner(name: name, privateKeyRaw: Array(repeating: 7, count: 32))
    }
    #expect(error?.code == .invalidKey)
  }

  @Test("a private key must be 32 bytes")
  func badPrivateKey() {
    for length in [0, 31, 33, 64] {
      let error = #expect(throws: SignedNoteError.self) {
        try NoteSigner(name: "n", privateKeyRaw: Array(repeating: 7, count: length))
      }
      #expect(error?.code == .invalidKey)
    }
  }

  /// Go's `TestNewVerifier`: every proper substring and every byte incremented is rejected.
  @Test("mangled verifier keys are rejected")
  func mangledVerifierKeys() {
    let bytes = Array(GoReference.vkey.utf8)
    var mangled: [String] = [
      // A wrong-length key and an unknown algorithm, each with a matching key id (from Go).
      "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
      "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ]
    for start in bytes.indices {
      for end in (start + 1)...bytes.count where start != 0 || end != bytes.count {
        mangled.append(String(decoding: bytes[start..<end], as: UTF8.self))
      }
    }
    for index in bytes.indices {
      var changed = bytes
      changed[index] += 1
      mangled.append(String(decoding: changed, as: UTF8.self))
    }
    let accepted = mangled.filter { (try? NoteVerifier(vkey: $0)) != nil }
    #expect(accepted.isEmpty)
  }
}
