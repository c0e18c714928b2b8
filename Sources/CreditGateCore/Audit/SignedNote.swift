public import Crypto
import Foundation

// C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys, carrying C2SP
// tlog-checkpoint bodies (https://c2sp.org/tlog-checkpoint), so that standard transparency-log
// tooling can check the gateway's checkpoints. Parsing follows the Go reference
// (golang.org/x/mod/sumdb/note): the same note is accepted or rejected by both.

/// A checkpoint of the audit log: its origin, a tree size and the root hash at that size.
public struct Checkpoint: Sendable, Hashable {
  /// The log's unique name, the first line of the body.
  public let origin: String
  public let size: UInt64
  /// The RFC 9162 root hash of the first `size` entries.
  public let rootHash: [UInt8]

  /// Throws if the origin is empty or holds a control character, or the hash is not 32 bytes.
  public init(origin: String, size: UInt64, rootHash: [UInt8]) throws {
    guard !origin.isEmpty, !origin.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
      throw SignedNoteError(
        .malformedCheckpoint, "the origin must be non-empty and free of control characters")
    }
    guard rootHash.count == MerkleTree.hashSize else {
      throw SignedNoteError(
        .malformedCheckpoint, "the root hash is \(rootHash.count) bytes, expected 32")
    }
    self.origin = origin
    self.size = size
    self.rootHash = rootHash
  }

  /// Parses a checkpoint body: exactly the three lines origin, decimal size (no sign, no leading
  /// zeros), and the root hash in canonical standard base64, each ending in a newline.
  public init(body: String) throws {
    let bytes = Array(body.utf8)
    guard bytes.last == 0x0A else {
      throw SignedNoteError(.malformedCheckpoint, "the body does not end with a newline")
    }
    let lines = bytes.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false)
      .map { String(decoding: $0, as: UTF8.self) }
    guard lines.count == 3 else {
      throw SignedNoteError(
        .malformedCheckpoint, "the body has \(lines.count) lines, expected 3")
    }
    let sizeLine = lines[1]
    guard !sizeLine.isEmpty, sizeLine.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
      sizeLine == "0" || !sizeLine.hasPrefix("0"), let size = UInt64(sizeLine)
    else {
      throw SignedNoteError(.malformedCheckpoint, "the tree size is not a decimal number")
    }
    guard let root = Data(base64Encoded: lines[2]), root.base64EncodedString() == lines[2] else {
      throw SignedNoteError(.malformedCheckpoint, "the root hash is not canonical base64")
    }
    try self.init(origin: lines[0], size: size, rootHash: Array(root))
  }

  /// The note text: origin, size and base64 root hash, one per line.
  public var body: String {
    "\(origin)\n\(size)\n\(Data(rootHash).base64EncodedString())\n"
  }
}

/// Signs checkpoints as C2SP signed notes with an Ed25519 key.
public struct NoteSigner: Sendable {
  /// The key name, which appears on each signature line.
  public let name: String
  /// The 4-byte key id that prefixes each signature.
  public let keyID: UInt32
  private let privateKey: Curve25519.Signing.PrivateKey

  /// Throws if the name is empty or contains whitespace or `+`.
  public init(name: String, privateKey: Curve25519.Signing.PrivateKey) throws {
    guard NoteKey.isValidName(name) else {
      throw SignedNoteError(.invalidKey, "a key name must be non-empty, without spaces or '+'")
    }
    self.name = name
    self.privateKey = privateKey
    self.keyID = NoteKey.keyID(name: name, publicKey: Array(privateKey.publicKey.rawRepresentation))
  }

  /// A signer from the 32-byte Ed25519 private key (seed).
  public init(name: String, privateKeyRaw: [UInt8]) throws {
    let key: Curve25519.Signing.PrivateKey
    do {
      key = try Curve25519.Signing.PrivateKey(rawRepresentation: privateKeyRaw)
    } catch {
      throw SignedNoteError(.invalidKey, "an Ed25519 private key is 32 bytes")
    }
    try self.init(name: name, privateKey: key)
  }

  /// The verifier key, `<name>+<key id, 8 hex digits>+<base64(0x01 ‖ public key)>`, which
  /// `NoteVerifier(vkey:)` and other signed-note tooling accept.
  public var publicVerifierKey: String {
    let key = [NoteKey.ed25519] + Array(privateKey.publicKey.rawRepresentation)
    return "\(name)+\(NoteKey.hex(keyID))+\(Data(key).base64EncodedString())"
  }

  /// The checkpoint as a signed note: its body, a blank line, and one signature line.
  public func sign(checkpoint: Checkpoint) -> String {
    signNote(text: checkpoint.body)
  }

  /// Any note text ending in a newline, signed.
  func signNote(text: String) -> String {
    precondition(text.hasSuffix("\n"), "a note's text ends with a newline")
    let signature: Data
    do {
      signature = try privateKey.signature(for: Array(text.utf8))
    } catch {
      // Ed25519 signing has no failure mode; the API only throws for uniformity.
      preconditionFailure("Ed25519 signing failed: \(error)")
    }
    let blob = NoteKey.bigEndian(keyID) + Array(signature)
    return text + "\n" + NoteKey.signaturePrefix + name + " " + Data(blob).base64EncodedString()
      + "\n"
  }
}

/// Verifies signed checkpoints against one Ed25519 verifier key.
public struct NoteVerifier: Sendable {
  public let name: String
  public let keyID: UInt32
  private let publicKey: Curve25519.Signing.PublicKey

  /// Parses a verifier key `<name>+<key id>+<base64(0x01 ‖ public key)>`; throws if it is
  /// malformed, not Ed25519, or its key id does not match its name and key.
  public init(vkey: String) throws {
    let (nameBytes, rest) = NoteKey.chop(Array(vkey.utf8)[...], 0x2B)  // "+"
    let (idBytes, keyBytes) = NoteKey.chop(rest, 0x2B)
    let name = String(decoding: nameBytes, as: UTF8.self)
    let isHexDigit: (UInt8) -> Bool = {
      (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0)
    }
    guard NoteKey.isValidName(name), idBytes.count == 8, idBytes.allSatisfy(isHexDigit),
      let keyID = UInt32(String(decoding: idBytes, as: UTF8.self), radix: 16),
      let key = Data(base64Encoded: String(decoding: keyBytes, as: UTF8.self)), !key.isEmpty
    else {
      throw SignedNoteError(.invalidKey, "the verifier key is malformed")
    }
    guard NoteKey.keyID(name: name, encodedKey: Array(key)) == keyID else {
      throw SignedNoteError(.invalidKey, "the verifier key's id does not match its name and key")
    }
    guard key.first == NoteKey.ed25519, key.count == 33,
      let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: key.dropFirst())
    else {
      throw SignedNoteError(.invalidKey, "the verifier key is not an Ed25519 key")
    }
    self.name = name
    self.keyID = keyID
    self.publicKey = publicKey
  }

  /// Checks the note's signature by this key and returns the checkpoint it signs. Throws if the
  /// note is malformed, has no signature by this key, the signature is invalid, or the signed
  /// text is not a well-formed checkpoint. Signatures by other keys are ignored.
  public func verify(note: String) throws -> Checkpoint {
    try Checkpoint(body: verifiedText(note: note))
  }

  /// As `verify(note:)`, for a note read as bytes; invalid UTF-8 is malformed.
  public func verify(noteBytes: [UInt8]) throws -> Checkpoint {
    guard let note = String(validating: noteBytes, as: UTF8.self) else {
      throw SignedNoteError(.malformedNote, "the note is not valid UTF-8")
    }
    return try verify(note: note)
  }

  /// The note's text, once its signature by this key has been checked.
  public func verifiedText(note: String) throws -> String {
    let signatures = try NoteKey.parse(note: note)
    // Like the Go reference, only the first signature line of a known key counts.
    guard let signature = signatures.lines.first(where: { $0.name == name && $0.keyID == keyID })
    else {
      throw SignedNoteError(.noMatchingSignature, "the note has no signature by key \(name)")
    }
    guard publicKey.isValidSignature(signature.signature, for: Array(signatures.text.utf8)) else {
      throw SignedNoteError(.invalidSignature, "the signature by key \(name) is invalid")
    }
    return signatures.text
  }
}

/// Why a signed note, checkpoint or key was rejected.
public struct SignedNoteError: Error, Sendable, Hashable, CustomStringConvertible {
  /// Which check the note, checkpoint or key failed.
  public struct Code: Sendable, Hashable, CustomStringConvertible {
    enum Wrapped: String, Sendable, Hashable {
      case malformedNote = "MALFORMED_NOTE"
      case malformedCheckpoint = "MALFORMED_CHECKPOINT"
      case invalidKey = "INVALID_KEY"
      case noMatchingSignature = "NO_MATCHING_SIGNATURE"
      case invalidSignature = "INVALID_SIGNATURE"
    }
    let wrapped: Wrapped
    /// The note does not have the signed-note layout.
    public static let malformedNote = Self(wrapped: .malformedNote)
    /// The signed text, or a checkpoint's fields, are not a valid tlog checkpoint.
    public static let malformedCheckpoint = Self(wrapped: .malformedCheckpoint)
    /// A key name, private key or verifier key is unusable.
    public static let invalidKey = Self(wrapped: .invalidKey)
    /// No signature line carries the verifier's name and key id.
    public static let noMatchingSignature = Self(wrapped: .noMatchingSignature)
    /// The signature by the verifier's key does not verify.
    public static let invalidSignature = Self(wrapped: .invalidSignature)
    public var description: String { wrapped.rawValue }
  }

  public var code: Code
  public var message: String

  /// Creates the error; `message` says what is wrong.
  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { "\(code): \(message)" }
}

/// The signed-note format's details, shared by signer and verifier.
enum NoteKey {
  /// The algorithm byte of an Ed25519 key.
  static let ed25519: UInt8 = 0x01
  /// U+2014 EM DASH and a space open every signature line.
  static let signaturePrefix = "\u{2014} "
  /// The Go reference gives up on notes with more signatures than this.
  static let maximumSignatures = 100

  struct SignatureLine {
    var name: String
    var keyID: UInt32
    var signature: [UInt8]
  }

  /// Go's `isValidName`: non-empty, no Unicode whitespace, no `+`.
  static func isValidName(_ name: String) -> Bool {
    !name.isEmpty && !name.unicodeScalars.contains { $0.properties.isWhitespace || $0 == "+" }
  }

  /// The first 4 bytes, big-endian, of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key).
  static func keyID(name: String, publicKey: [UInt8]) -> UInt32 {
    keyID(name: name, encodedKey: [ed25519] + publicKey)
  }

  /// The key id over a key already prefixed with its algorithm byte.
  static func keyID(name: String, encodedKey: [UInt8]) -> UInt32 {
    let digest = Array(SHA256.hash(data: Array(name.utf8) + [0x0A] + encodedKey))
    return digest[0..<4].reduce(0) { $0 << 8 | UInt32($1) }
  }

  static func bigEndian(_ value: UInt32) -> [UInt8] {
    [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) }
  }

  static func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
  }

  /// Go's `chop`: the bytes before and after the first `separator`, or all and none. Splitting
  /// on an ASCII byte keeps both parts valid UTF-8.
  static func chop(
    _ bytes: ArraySlice<UInt8>, _ separator: UInt8
  ) -> (ArraySlice<UInt8>, ArraySlice<UInt8>) {
    guard let index = bytes.firstIndex(of: separator) else { return (bytes, []) }
    return (bytes[..<index], bytes[(index + 1)...])
  }

  /// Splits a note into its text and signature lines, rejecting what Go's `note.Open` rejects.
  static func parse(note: String) throws -> (text: String, lines: [SignatureLine]) {
    let malformed = SignedNoteError(.malformedNote, "the note is not a well-formed signed note")
    guard !note.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" }) else {
      throw malformed
    }
    let bytes = Array(note.utf8)
    // The signatures follow the last blank line.
    guard
      let split = bytes.indices.dropLast().last(where: {
        bytes[$0] == 0x0A && bytes[$0 + 1] == 0x0A
      })
    else { throw malformed }
    let text = String(decoding: bytes[...split], as: UTF8.self)
    let signatureBlock = bytes[(split + 2)...]
    guard signatureBlock.last == 0x0A else { throw malformed }

    var lines: [SignatureLine] = []
    let prefix = Array(signaturePrefix.utf8)
    let rawLines = signatureBlock.dropLast().split(
      separator: 0x0A, omittingEmptySubsequences: false)
    for rawLine in rawLines {
      guard rawLine.starts(with: prefix) else { throw malformed }
      let (nameBytes, encoded) = chop(rawLine.dropFirst(prefix.count), 0x20)  // " "
      let name = String(decoding: nameBytes, as: UTF8.self)
      guard isValidName(name), !encoded.isEmpty,
        let blob = Data(base64Encoded: String(decoding: encoded, as: UTF8.self)), blob.count >= 5
      else { throw malformed }
      lines.append(
        SignatureLine(
          name: name, keyID: blob.prefix(4).reduce(0) { $0 << 8 | UInt32($1) },
          signature: Array(blob.dropFirst(4))))
      guard lines.count <= maximumSignatures else { throw malformed }
    }
    return (text, lines)
  }
}
