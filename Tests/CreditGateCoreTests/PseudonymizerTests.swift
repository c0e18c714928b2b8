@testable import CreditGateCore
import Crypto
import Foundation
import Testing

@Suite("Pseudonymizer")
struct PseudonymizerTests {
  static let codes = [Codes.person, Codes.otherPerson, Codes.organisation, Codes.government]

  let first = Pseudonymizer(keyBytes: [UInt8](repeating: 0x0b, count: 32))
  let second = Pseudonymizer(keyBytes: [UInt8](repeating: 0x0c, count: 32))

  @Test("is HMAC-SHA-256 of the code's UTF-8 bytes, as lowercase hex")
  func knownAnswers() {
    // python3 -c 'import hmac,hashlib; print(hmac.new(bytes([11])*32, b"33010619900101123X",
    //   hashlib.sha256).hexdigest())'
    #expect(first.pseudonym(Codes.person) == "393c3818b7e368d3d73024bdf266c73dca79cb86c65a914458195900eaee8266")
    let named = Pseudonymizer(keyBytes: Array("creditgate-test-key".utf8))
    #expect(
      named.pseudonym(Codes.organisation) == "b6f9620631019d0579ee6d762a98a4497877fca393356ffe4ce0402573089f72")
  }

  @Test("is deterministic for a key, whichever initialiser made it", arguments: codes)
  func deterministic(_ code: String) {
    let again = Pseudonymizer(key: SymmetricKey(data: [UInt8](repeating: 0x0b, count: 32)))
    #expect(first.pseudonym(code) == first.pseudonym(code))
    #expect(first.pseudonym(code) == again.pseudonym(code))
  }

  @Test("different keys give different pseudonyms", arguments: codes)
  func keyed(_ code: String) {
    #expect(first.pseudonym(code) != second.pseudonym(code))
  }

  @Test("different codes give different pseudonyms")
  func distinctCodes() {
    #expect(Set(Self.codes.map(first.pseudonym)).count == Self.codes.count)
  }

  @Test("is 64 lowercase hex characters and never contains the code", arguments: codes)
  func shape(_ code: String) {
    let pseudonym = first.pseudonym(code)
    #expect(pseudonym.count == 64)
    #expect(pseudonym.allSatisfy { "0123456789abcdef".contains($0) })
    #expect(!pseudonym.contains(code))
    #expect(!pseudonym.localizedCaseInsensitiveContains(code))
  }

  @Test("an empty code has an empty pseudonym")
  func empty() {
    #expect(first.pseudonym("") == "")
  }
}
