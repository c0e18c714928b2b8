// libFuzzer target: the C2SP signed-note / tlog-checkpoint parser (Audit/SignedNote.swift), as
// `creditgate audit verify` and GetCheckpoint's clients use it. Any input: parsed or a
// SignedNoteError, never a trap. Properties: a body that parses re-encodes to the same bytes;
// a note signed by the fixed key verifies to its checkpoint, and one flipped byte of the
// signed text makes it fail; a verifier key that parses has a consistent id.
@testable import CreditGateCore
import Foundation

private let signer = try! NoteSigner(name: "creditgate.fuzz/audit", privateKeyRaw: Array(repeating: 7, count: 32))
private let verifier = try! NoteVerifier(vkey: signer.publicVerifierKey)
/// The key of the gateway whose checkpoint is in fuzz/corpus/signed_note/gateway-checkpoint-note,
/// so that mutations of that real note reach the signature check and the body parser behind it.
private let gatewayVerifier = try! NoteVerifier(vkey: "creditgate.local/audit+a7ec2517+AU/ZUjNt8yR8FxJP/Rck5mEeIJmQxZNXOGkl6MRuI5la")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSignedNote(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  let text = String(decoding: bytes, as: UTF8.self)

  // 1. The whole input as a signed note, by the fixed key (bytes and string entry points).
  _ = try? verifier.verify(noteBytes: bytes)
  if let checkpoint = try? gatewayVerifier.verify(note: text) {
    precondition(checkpoint.origin == "creditgate.local/audit" || checkpoint.origin.isEmpty == false)
  }
  if let parsed = try? NoteKey.parse(note: text) {
    precondition(text.hasPrefix(parsed.text), "the signed text is not a prefix of the note")
    for line in parsed.lines { precondition(NoteKey.isValidName(line.name)) }
  }

  // 2. The input as a checkpoint body: canonical, so it re-encodes to itself.
  if let checkpoint = try? Checkpoint(body: text) {
    precondition(checkpoint.body == text, "a parsed checkpoint body does not re-encode to itself")
    let note = signer.sign(checkpoint: checkpoint)
    let verified: Checkpoint
    do { verified = try verifier.verify(note: note) } catch {
      preconditionFailure("a note signed by the key does not verify: \(error)")
    }
    precondition(verified == checkpoint)
  }

  // 3. A checkpoint built from the input (origin = first line, size and hash from the bytes),
  //    signed, verified, then tampered with.
  if size >= 9 {
    let origin = String(decoding: bytes.dropFirst(8).prefix(64), as: UTF8.self)
    let treeSize = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    let hash = Array(SHA256Digest.fuzzHash(bytes))
    if let checkpoint = try? Checkpoint(origin: origin, size: treeSize, rootHash: hash) {
      var note = Array(signer.sign(checkpoint: checkpoint).utf8)
      precondition((try? verifier.verify(noteBytes: note)) == checkpoint, "a signed checkpoint does not verify")
      let at = Int(bytes[0]) % (note.count - 1)
      note[at] ^= 0x01
      if let forged = try? verifier.verify(noteBytes: note) {
        // Flipping a byte of the signature line's name or padding may leave it valid only if
        // the signed text is untouched.
        precondition(forged == checkpoint, "a tampered note verified to another checkpoint")
      }
    }
  }

  // 4. The input as a verifier key.
  if let key = try? NoteVerifier(vkey: text) {
    precondition(key.keyID == NoteKey.keyID(name: key.name, encodedKey: Array(Data(base64Encoded: String(text.split(separator: "+", maxSplits: 2)[2]))!)))
  }
  return 0
}

private enum SHA256Digest {
  static func fuzzHash(_ bytes: [UInt8]) -> [UInt8] { MerkleTree.hashLeaf(bytes) }
}
