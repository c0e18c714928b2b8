public import Crypto
public import Foundation

/// Turns subject codes into keyed pseudonyms (HMAC-SHA-256), so that the audit log can be
/// searched by subject without ever holding a code in clear.
public struct Pseudonymizer: Sendable {
  private let key: SymmetricKey

  /// Creates a pseudonymizer that uses `key` as the HMAC key.
  public init(key: SymmetricKey) {
    self.key = key
  }

  /// Creates a pseudonymizer from the key's raw bytes, as the pseudonym key file holds them.
  public init(keyBytes: some ContiguousBytes) {
    self.key = SymmetricKey(data: keyBytes)
  }

  /// A secret derived from the key for other uses (the page tokens' key is derived from it in
  /// turn): an HMAC of a fixed label, so that the pseudonym key itself is never reused.
  public var tokenSecret: [UInt8] {
    Array(HMAC<SHA256>.authenticationCode(for: Data("creditgate derived secret: page tokens".utf8), using: key))
  }

  /// The pseudonym of a code, as lowercase hex; empty for an empty code.
  public func pseudonym(_ subjectCode: String) -> String {
    guard !subjectCode.isEmpty else { return "" }
    let mac = HMAC<SHA256>.authenticationCode(for: Data(subjectCode.utf8), using: key)
    return mac.hex
  }
}
