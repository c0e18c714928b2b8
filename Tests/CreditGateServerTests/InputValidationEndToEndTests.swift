import CreditGateCore
import CreditGateProtos
import CreditGateServer
import CreditGateTestKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import GRPCProtobuf
import SwiftProtobuf
import Testing

/// Issue 8, defects 3 and 5, over a real mTLS socket: hostile strings, dates and timestamps
/// are refused `INVALID_ARGUMENT` naming the field, audited, and never stop the process.
@Suite("Input validation over mutual TLS")
struct InputValidationEndToEndTests {
  static let operatorMetadata: Metadata = ["x-operator-id": "officer-007"]
  static let liNa = "330102198506150040"
  static let zhangWei = "33010619900101123X"

  /// Makes `body`'s call and returns the error it must fail with.
  static func refusal(_ body: () async throws -> Void) async throws -> RPCError {
    do {
      try await body()
    } catch let error as RPCError {
      return error
    }
    Issue.record("the call was answered")
    throw CancellationError()
  }

  /// A GetProfile that must answer: the gateway is still serving.
  static func profile(_ gateway: TestGateway, _ code: String = liNa) async throws -> Creditgate_V1_GetProfileResponse {
    try await gateway.connection(as: "demo-hr-bureau").withClient { client in
      try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
        .with {
          $0.subjectCode = code
          $0.purpose = "civil-servant-recruitment"
        }, metadata: operatorMetadata)
    }
  }

  @Test("a NUL in purpose is refused naming the field, audited without the value")
  func nulInPurpose() async throws {
    try await TestGateway.withRunning { gateway in
      let error = try await Self.refusal {
        _ = try await gateway.connection(as: "demo-hr-bureau").withClient { client in
          try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
            .with {
              $0.subjectCode = Self.liNa
              $0.purpose = "civil-servant-recruitment\u{0}anything"
            }, metadata: Self.operatorMetadata)
        }
      }
      #expect(error.code == .invalidArgument)
      #expect(error.message.hasPrefix("purpose: "))
      #expect(!error.message.contains("anything"))
      let entry = try #require(try await gateway.auditEntries().last)
      #expect(entry.outcome == .invalid)
      #expect(entry.method == "/creditgate.v1.CreditQuery/GetProfile")
      #expect(entry.purpose.isEmpty)
      #expect(!entry.reason.contains("anything"))
      #expect(entry.reason.hasPrefix("purpose: "))
      #expect(!(try await Self.profile(gateway)).records.isEmpty)
    }
  }

  @Test("a control character deep in a batch is refused naming its path")
  func nestedField() async throws {
    try await TestGateway.withRunning { gateway in
      let good = Creditgate_V1_RecordSubmission.with {
        $0.providerRecordID = "ok-1"
        $0.subjectCode = Self.zhangWei
        $0.category = "admin-penalty"
        $0.severity = .general
        $0.title = "行政处罚决定"
        $0.actDate = "2024-01-10"
        $0.decidedOn = "2024-02-01"
      }
      var bad = good
      bad.title = "行政处罚\u{1B}[2J决定"
      let error = try await Self.refusal {
        _ = try await gateway.connection(as: "demo-data-platform").withClient { client in
          try await Creditgate_V1_CreditRecords.Client(wrapping: client).submitRecords(
            .with { $0.records = [good, good, bad] })
        }
      }
      #expect(error.code == .invalidArgument)
      #expect(error.message == "records[2].title: must not contain control characters (U+001B at position 5)")
      let entry = try #require(try await gateway.auditEntries().last)
      #expect(entry.outcome == .invalid)
      #expect(entry.reason == error.message)
    }
  }

  @Test(
    "an invalid operator id is refused and recorded empty, never as sent",
    arguments: ["操作员007", String(repeating: "o", count: 129), "o\t1"])
  func invalidOperator(_ operatorID: String) async throws {
    try await TestGateway.withRunning { gateway in
      let error = try await Self.refusal {
        _ = try await gateway.connection(as: "demo-hr-bureau").withClient { client in
          try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
            .with {
              $0.subjectCode = Self.liNa
              $0.purpose = "civil-servant-recruitment"
            }, metadata: ["x-operator-id": .string(operatorID)])
        }
      }
      #expect(error.code == .invalidArgument)
      #expect(error.message.hasPrefix("x-operator-id: "))
      let entry = try #require(try await gateway.auditEntries().last)
      #expect(entry.outcome == .invalid)
      #expect(entry.operatorID == "")
    }
  }

  @Test(
    "a timestamp outside 1970–9999 is refused naming the field, and the gateway keeps serving",
    arguments: [Int64.max, Int64.min, -1, 253_402_300_800])
  func extremeTimestamp(_ seconds: Int64) async throws {
    try await TestGateway.withRunning { gateway in
      let error = try await Self.refusal {
        _ = try await gateway.connection(as: "demo-privacy-office").withClient { client in
          try await Creditgate_V1_Oversight.Client(wrapping: client).getUsageStats(
            .with { $0.from = Google_Protobuf_Timestamp(seconds: seconds, nanos: 0) })
        }
      }
      #expect(error.code == .invalidArgument)
      #expect(error.message == "from: must be between 1970-01-01 and 9999-12-31")

      let consent = try await Self.refusal {
        _ = try await gateway.connection(as: "demo-bank").withClient { client in
          try await Creditgate_V1_Consents.Client(wrapping: client).grantConsent(
            .with {
              $0.subjectCode = Self.liNa
              $0.purpose = "loan-application"
              $0.validUntil = Google_Protobuf_Timestamp(seconds: seconds, nanos: 0)
              $0.evidenceDigest = String(repeating: "a", count: 64)
            })
        }
      }
      #expect(consent.code == .invalidArgument)
      #expect(consent.message.hasPrefix("valid_until: "))
      #expect(!(try await Self.profile(gateway)).records.isEmpty)
    }
  }

  // Issue 8, defect 5: this record was accepted, and every later GetProfile of the subject
  // stopped the process.
  @Test("a trust-breaking record whose act ended in year 9998 is refused; profiles keep answering")
  func actEndedInYear9998() async throws {
    try await TestGateway.withRunning { gateway in
      let response = try await gateway.connection(as: "demo-data-platform").withClient { client in
        try await Creditgate_V1_CreditRecords.Client(wrapping: client).submitRecords(
          .with {
            $0.records = [
              .with {
                $0.providerRecordID = "far-future-1"
                $0.subjectCode = Self.liNa
                $0.category = "dishonest-judgment-debtor"
                $0.severity = .serious
                $0.title = "失信被执行人"
                $0.actDate = "2024-01-10"
                $0.decidedOn = "2024-06-01"
                $0.actEndedOn = "9998-01-01"
              }
            ]
          })
      }
      let result = try #require(response.results.first)
      #expect(!result.accepted)
      #expect(result.error == "records[0].act_ended_on: is in the future")
      for _ in 0..<2 {
        let profile = try await Self.profile(gateway)
        #expect(!profile.records.contains { $0.providerRecordID == "far-future-1" })
        #expect(!profile.records.isEmpty)
      }
    }
  }

  /// Sends the bytes as they are, whatever they encode.
  /// Sends `bytes` as a GetProfile request and returns the error it must fail with.
  static func rawGetProfile(_ gateway: TestGateway, _ bytes: [UInt8]) async throws -> RPCError {
    try await refusal {
      _ = try await gateway.connection(as: "demo-hr-bureau").withClient { client in
        try await client.unary(
          request: ClientRequest(message: bytes, metadata: operatorMetadata),
          descriptor: Creditgate_V1_CreditQuery.Method.GetProfile.descriptor,
          serializer: RawBytes(),
          deserializer: ProtobufDeserializer<Creditgate_V1_GetProfileResponse>(),
          options: .defaults
        ) { try $0.message }
      }
    }
  }

  /// A request refused before the handler ran is audited all the same (AuditingTransport): the
  /// status carries the entry's `x-query-id`, and the log's last entry is the call.
  static func expectAuditedUndecodable(_ error: RPCError, in gateway: TestGateway) async throws {
    // SwiftProtobuf refuses the bytes while grpc-swift-protobuf decodes them, before the
    // gateway's handler sees the call: the message names the type, not the field.
    #expect(error.code == .invalidArgument, "\(error)")
    #expect(error.message == "Can't deserialize to message of type Creditgate_V1_GetProfileRequest.")
    let queryID = try #require(error.metadata[stringValues: "x-query-id"].first(where: { _ in true }))
    let entry = try #require(try await gateway.auditEntries().last)
    #expect(String(entry.sequence) == queryID)
    #expect(entry.method == "/creditgate.v1.CreditQuery/GetProfile")
    #expect(entry.institutionID == "demo-hr-bureau")
    #expect(!entry.certificateFingerprint.isEmpty)
    #expect(entry.operatorID == "officer-007")
    #expect(entry.outcome == .invalid)
    #expect(entry.statusCode == RPCError.Code.invalidArgument.rawValue)
    #expect(entry.reason == error.message)
    #expect(entry.recordsDisclosed == 0 && entry.categoriesDisclosed.isEmpty)
  }

  @Test("invalid UTF-8 in a string field is refused INVALID_ARGUMENT, audited, and the gateway keeps serving")
  func invalidUTF8() async throws {
    try await TestGateway.withRunning { gateway in
      // GetProfileRequest: subject_code (1) valid, purpose (2) with the bytes C3 28 (not UTF-8).
      var bytes: [UInt8] = [0x0A, UInt8(Self.liNa.utf8.count)] + Array(Self.liNa.utf8)
      bytes += [0x12, 0x04, 0x61, 0xC3, 0x28, 0x62]
      let error = try await Self.rawGetProfile(gateway, bytes)
      try await Self.expectAuditedUndecodable(error, in: gateway)
      #expect(!(try await Self.profile(gateway)).records.isEmpty)
    }
  }

  @Test(
    "a request that cannot be decoded is refused INVALID_ARGUMENT and audited",
    arguments: [
      [0xFF, 0xFF],  // malformed: a truncated varint tag
      [0x0A, 0x05, 0x61],  // a length past the end
      // Field 1 with wire type 7, which does not exist. (A known field sent with another
      // valid wire type is not an error: SwiftProtobuf keeps it as an unknown field.)
      [0x0F, 0x01],
    ] as [[UInt8]])
  func undecodable(bytes: [UInt8]) async throws {
    try await TestGateway.withRunning { gateway in
      let error = try await Self.rawGetProfile(gateway, bytes)
      try await Self.expectAuditedUndecodable(error, in: gateway)
      #expect(!(try await Self.profile(gateway)).records.isEmpty)
    }
  }

  @Test("a call the handler audits gets exactly one entry, with the trailer's query id")
  func noDoubleAudit() async throws {
    try await TestGateway.withRunning { gateway in
      let before = try await gateway.auditEntries().count
      let profile = try await Self.profile(gateway)
      let entries = try await gateway.auditEntries()
      #expect(entries.count == before + 1)
      #expect(entries.last?.sequence == profile.queryID)
      #expect(entries.last?.outcome == .answered)
      // A refusal by the handler: one entry too.
      _ = try await Self.refusal {
        _ = try await Self.profile(gateway, "not-a-subject-code")
      }
      #expect(try await gateway.auditEntries().count == before + 2)
    }
  }
}
