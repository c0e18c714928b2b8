import CreditGateClient
import CreditGateProtos
import GRPCCore
import SwiftProtobuf
import Testing

/// What every client command prints, byte for byte: the tables, the failure line, the JSON.
@Suite("Client output")
struct OutputTests {
  @Test("a table aligns its columns in terminal columns: a Chinese character takes two")
  func tableAlignsChinese() {
    var table = Table(headers: ["name", "kind"])
    table.rows.append(["张伟", "person"])
    table.rows.append(["Li Na", "person"])
    #expect(table.render() == "name   kind\n-----  ------\n张伟   person\nLi Na  person")
  }

  @Test("a table trims the padding of its last column")
  func tableTrimsTrailingSpaces() {
    let table = Table(headers: ["record", "title"], rows: [["r1", "虚开增值税发票"], ["r22", "-"]])
    #expect(table.render() == "record  title\n------  --------------\nr1      虚开增值税发票\nr22     -")
  }

  @Test("display width", arguments: [("query_id", 8), ("张伟", 4), ("杭州示例科技有限公司", 20), ("（）", 4), ("—", 1)])
  func displayWidth(text: String, width: Int) {
    #expect(text.displayWidth == width)
  }

  @Test(
    "status names are the canonical ones",
    arguments: [
      (RPCError.Code.permissionDenied, "PERMISSION_DENIED"), (.notFound, "NOT_FOUND"),
      (.invalidArgument, "INVALID_ARGUMENT"), (.failedPrecondition, "FAILED_PRECONDITION"),
      (.resourceExhausted, "RESOURCE_EXHAUSTED"), (.unauthenticated, "UNAUTHENTICATED"),
      (.unavailable, "UNAVAILABLE"), (.deadlineExceeded, "DEADLINE_EXCEEDED"), (.dataLoss, "DATA_LOSS"),
      (.unimplemented, "UNIMPLEMENTED"), (.cancelled, "CANCELLED"),
    ])
  func statusName(code: RPCError.Code, name: String) {
    #expect(code.statusName == name)
  }

  @Test("a failed call's line names the status, the message and the query id when there is one")
  func failureLine() {
    let audited = RPCError(code: .permissionDenied, message: "not for this role", metadata: ["x-query-id": "12"])
    #expect(audited.failureLine == "error: PERMISSION_DENIED: not for this role (query_id 12)")
    let unaudited = RPCError(code: .unavailable, message: "connection refused")
    #expect(unaudited.failureLine == "error: UNAVAILABLE: connection refused")
  }

  @Test("JSON keeps the .proto field names")
  func jsonFieldNames() throws {
    let response = Creditgate_V1_GrantConsentResponse.with {
      $0.consentID = "c1"
      $0.queryID = 7
    }
    #expect(try response.jsonString(options: .protoFieldNames) == #"{"consent_id":"c1","query_id":"7"}"#)
  }
}
