import CreditGateCore
import Foundation
import Testing

@Suite("Bytes as hex")
struct BytesHexTests {
  @Test("lowercase, two digits a byte, the same as String(format:) gave")
  func encode() {
    #expect([UInt8]().hex == "")
    #expect([0x00, 0x0f, 0xa0, 0xff].hex == "000fa0ff")
    let bytes = (0...255).map(UInt8.init)
    #expect(bytes.hex == bytes.map { String(format: "%02x", $0) }.joined())
  }

  @Test("decoding: either case, whole bytes only, hex only")
  func decode() {
    #expect([UInt8](hex: "000FA0ff") == [0x00, 0x0f, 0xa0, 0xff])
    #expect([UInt8](hex: "") == [])
    #expect([UInt8](hex: "abc") == nil)
    #expect([UInt8](hex: "zz") == nil)
    #expect([UInt8](hex: "0g") == nil)
    let bytes = (0...255).map(UInt8.init)
    #expect([UInt8](hex: bytes.hex) == bytes)
  }
}
