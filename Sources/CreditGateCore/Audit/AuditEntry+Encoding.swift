extension AuditEntry {
  /// The deterministic protobuf encoding of this entry as a `creditgate.v1.AuditEntry` message:
  /// the Merkle leaf data (DESIGN §8). Written by hand so that the domain needs no protobuf
  /// library; it must stay byte-equal to SwiftProtobuf's encoding of the same message, which
  /// `AuditEntryEncodingInteropTests` checks.
  ///
  /// Fields are written in field-number order and proto3 default values are left out, except
  /// `time`, which is a set submessage even at the epoch. The time is taken at microsecond
  /// precision, as the log stores it, so `nanos` is always a whole number of microseconds.
  public var leafBytes: [UInt8] {
    var writer = ProtobufWriter()
    writer.uint64(1, sequence)
    writer.string(2, origin)
    writer.message(3, timestampBytes)
    writer.string(4, institutionID)
    writer.string(5, certificateFingerprint)
    writer.string(6, operatorID)
    writer.string(7, method)
    writer.string(8, purpose)
    writer.string(9, consentID)
    writer.string(10, subjectPseudonym)
    writer.string(11, outcome.rawValue)
    writer.int64(12, Int64(Int32(clamping: statusCode)))
    writer.string(13, reason)
    for category in categoriesDisclosed {
      writer.string(14, category, emitEmpty: true)
    }
    writer.uint64(15, UInt64(UInt32(clamping: recordsDisclosed)))
    writer.string(16, responseDigest)
    writer.uint64(17, previousSubjectSequence)
    return writer.bytes
  }

  /// The Merkle leaf hash of this entry: SHA-256(0x00 ‖ `leafBytes`).
  public var leafHash: [UInt8] { MerkleTree.hashLeaf(leafBytes) }

  /// `google.protobuf.Timestamp` {int64 seconds = 1; int32 nanos = 2}, from whole microseconds
  /// (`Date.protobufSecondsAndNanos`), never through `Google_Protobuf_Timestamp(date:)`'s
  /// floating point.
  private var timestampBytes: [UInt8] {
    let (seconds, nanos) = time.protobufSecondsAndNanos
    var writer = ProtobufWriter()
    writer.int64(1, seconds)
    writer.int64(2, Int64(nanos))
    return writer.bytes
  }
}

/// The few protobuf wire-format primitives the audit entry needs.
private struct ProtobufWriter {
  private(set) var bytes: [UInt8] = []

  private enum WireType: UInt64 {
    case varint = 0
    case lengthDelimited = 2
  }

  private mutating func tag(_ field: UInt64, _ wireType: WireType) {
    varint(field << 3 | wireType.rawValue)
  }

  private mutating func varint(_ value: UInt64) {
    var value = value
    while value >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
      value >>= 7
    }
    bytes.append(UInt8(value))
  }

  /// A uint64 or uint32 field; omitted when 0.
  mutating func uint64(_ field: UInt64, _ value: UInt64) {
    guard value != 0 else { return }
    tag(field, .varint)
    varint(value)
  }

  /// An int64 or int32 field; omitted when 0. Negative values take ten bytes: protobuf sign-extends
  /// int32 to 64 bits.
  mutating func int64(_ field: UInt64, _ value: Int64) {
    uint64(field, UInt64(bitPattern: value))
  }

  /// A string field; omitted when empty unless it is an element of a repeated field.
  mutating func string(_ field: UInt64, _ value: String, emitEmpty: Bool = false) {
    guard emitEmpty || !value.isEmpty else { return }
    lengthDelimited(field, Array(value.utf8))
  }

  /// A set submessage: always written, even when all its fields are defaults.
  mutating func message(_ field: UInt64, _ encoded: [UInt8]) {
    lengthDelimited(field, encoded)
  }

  private mutating func lengthDelimited(_ field: UInt64, _ payload: [UInt8]) {
    tag(field, .lengthDelimited)
    varint(UInt64(payload.count))
    bytes.append(contentsOf: payload)
  }
}
