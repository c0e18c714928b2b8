import CreditGateCore
import CreditGateProtos
@testable import CreditGateServer
import Foundation
import SwiftProtobuf
import Testing

/// `AuditEntry.leafBytes` is written by hand; SwiftProtobuf is the reference it must match byte
/// for byte, since anyone re-encoding a served `AuditEntry` must get the same leaf hash.
@Suite("AuditEntry leaf encoding against SwiftProtobuf")
struct AuditEntryEncodingInteropTests {
  struct Sample: Sendable, CustomTestStringConvertible {
    var name: String
    var entry: AuditEntry
    /// The time as protobuf must carry it: seconds rounded down, whole microseconds as nanos.
    var seconds: Int64
    var nanos: Int32
    var testDescription: String { name }

    init(
      _ name: String, seconds: Int64 = 1_760_000_000, micros: Int32 = 0,
      _ configure: (inout AuditEntry) -> Void = { _ in }
    ) {
      self.name = name
      self.seconds = seconds
      self.nanos = micros * 1000
      var entry = AuditEntry(
        sequence: 7, origin: "creditgate.example/audit/gw-1",
        time: Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000),
        institutionID: "bank-a", certificateFingerprint: String(repeating: "ab", count: 32),
        operatorID: "op-17", method: "/creditgate.v1.CreditQuery/GetProfile",
        purpose: "LOAN_APPROVAL", consentID: "consent-1",
        subjectPseudonym: String(repeating: "5e", count: 32), outcome: .answered, statusCode: 0,
        categoriesDisclosed: ["ADMIN_PENALTY", "COURT_JUDGMENT"], recordsDisclosed: 3,
        responseDigest: String(repeating: "d1", count: 32))
      configure(&entry)
      self.entry = entry
    }
  }

  static let samples: [Sample] = [
    Sample("a typical answered query"),
    Sample("every field at its default", seconds: 0) {
      $0 = AuditEntry(
        origin: "", time: Date(timeIntervalSince1970: 0), institutionID: "",
        certificateFingerprint: "", operatorID: "", method: "", outcome: .answered, statusCode: 0)
    },
    Sample("a denied query", micros: 123_456) {
      $0.outcome = .denied
      $0.statusCode = 7
      $0.reason = "未经同意：用途 LOAN_APPROVAL 需要主体同意 — consent required"
      $0.categoriesDisclosed = []
      $0.recordsDisclosed = 0
      $0.responseDigest = ""
    },
    Sample("an invalid request", micros: 999_999) {
      $0.outcome = .invalid
      $0.statusCode = 3
      $0.subjectPseudonym = ""
      $0.consentID = ""
    },
    Sample("a failed call with the largest status code", micros: 1) {
      $0.outcome = .failed
      $0.statusCode = 16
    },
    Sample("a negative status code takes ten bytes") { $0.statusCode = -1 },
    Sample("the extreme int32 status codes") { $0.statusCode = Int(Int32.min) },
    Sample("int32.max status code") { $0.statusCode = Int(Int32.max) },
    Sample("the largest sequence") { $0.sequence = .max },
    Sample("sequence 128 needs two varint bytes") { $0.sequence = 128 },
    Sample("a link to the previous entry about the subject") { $0.previousSubjectSequence = 6 },
    Sample("the largest link") { $0.previousSubjectSequence = .max },
    Sample("sequence 127 needs one") { $0.sequence = 127 },
    Sample("uint32.max records") { $0.recordsDisclosed = Int(UInt32.max) },
    Sample("unicode strings", micros: 500_000) {
      $0.institutionID = "银行-甲"
      $0.operatorID = "操作员 🧾 e\u{301}"
      $0.reason = "NUL \u{0} and newline \n inside"
    },
    Sample("a string of exactly 127 bytes") { $0.reason = String(repeating: "r", count: 127) },
    Sample("a string of 128 bytes") { $0.reason = String(repeating: "r", count: 128) },
    Sample("strings longer than 16383 bytes") {
      $0.reason = String(repeating: "长", count: 6000)
      $0.method = "/" + String(repeating: "m", count: 20_000)
    },
    Sample("many categories, one empty") {
      $0.categoriesDisclosed = (0..<60).map { "CATEGORY_\($0)" } + ["", "末"]
    },
    Sample("whole seconds", seconds: 1_700_000_000),
    Sample("microseconds", seconds: 1_760_000_000, micros: 123_457),
    Sample("the epoch", seconds: 0),
    Sample("just before the epoch", seconds: -1, micros: 999_999),
    Sample("half a second before the epoch", seconds: -2, micros: 500_000),
    Sample("a whole day before the epoch", seconds: -86_400),
    Sample("1900, with a fraction", seconds: -2_208_988_800, micros: 250_000),
    Sample("0001-01-01, whole seconds", seconds: -62_135_596_800),
    Sample("9999-12-31, whole seconds", seconds: 253_402_300_799),
  ]

  static let deterministic: BinaryEncodingOptions = {
    var options = BinaryEncodingOptions()
    options.useDeterministicOrdering = true
    return options
  }()

  @Test("leafBytes equals SwiftProtobuf's deterministic encoding", arguments: samples)
  func matchesSwiftProtobuf(_ sample: Sample) throws {
    #expect(sample.entry.time.protobufSecondsAndNanos.seconds == sample.seconds)
    #expect(sample.entry.time.protobufSecondsAndNanos.nanos == sample.nanos)
    // The time as the table states it, independent of both the converter and leafBytes.
    var message = Creditgate_V1_AuditEntry(sample.entry)
    message.time = Google_Protobuf_Timestamp(seconds: sample.seconds, nanos: sample.nanos)
    let expected: [UInt8] = try message.serializedBytes(options: Self.deterministic)
    #expect(sample.entry.leafBytes == expected)
    #expect(try Creditgate_V1_AuditEntry(serializedBytes: sample.entry.leafBytes) == message)
  }

  /// The server's converter must give the very message whose encoding is the leaf, or a client
  /// re-encoding a served entry gets another leaf hash. Its time must come from whole
  /// microseconds: `Google_Protobuf_Timestamp(date:)` yields nanos such as 123456001.
  @Test("the server's converter produces the leaf", arguments: samples)
  func converterProducesLeaf(_ sample: Sample) throws {
    let message = Creditgate_V1_AuditEntry(sample.entry)
    #expect(message.time.seconds == sample.seconds)
    #expect(
      message.time.nanos == sample.nanos, "the converter must take the time from whole microseconds"
    )
    let encoded: [UInt8] = try message.serializedBytes(options: Self.deterministic)
    #expect(sample.entry.leafBytes == encoded)
  }

  @Test("the leaf hash is SHA-256(0x00 ‖ leafBytes)")
  func leafHash() throws {
    let entry = Self.samples[0].entry
    let message = Creditgate_V1_AuditEntry(entry)
    let encoded: [UInt8] = try message.serializedBytes(options: Self.deterministic)
    #expect(entry.leafHash == MerkleTree.hashLeaf(encoded))
  }
}
