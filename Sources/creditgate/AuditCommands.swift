import ArgumentParser
import CreditGateProtos
import CreditGateServer
import Foundation
import SwiftProtobuf

struct Audit: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Review the audit log (privacy office).", subcommands: [Search.self])

  struct Search: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Search the audit log.")
    @Option(help: "Only calls by this institution.") var institution = ""
    @Option(help: "Only this method (e.g. GetProfile).") var method = ""
    @Option(help: "ANSWERED, DENIED, INVALID or FAILED.") var outcome = ""
    @Option(help: "Only queries for this purpose.") var purpose = ""
    @Option(help: "Only calls about this subject code (matched through the pseudonym).") var subject = ""
    @Option(help: "From this time (ISO 8601, inclusive).") var since: String?
    @Option(help: "Until this time (ISO 8601, exclusive).") var until: String?
    @Option(help: "At most this many entries (default 1000).") var limit: UInt32 = 0
    @OptionGroup var client: ClientOptions

    func run() async throws {
      func timestamp(_ text: String?, _ flag: String) throws -> Google_Protobuf_Timestamp? {
        guard let text else { return nil }
        guard let date = try? Date(text, strategy: .iso8601) else {
          throw ValidationError("--\(flag) must be an ISO 8601 time such as 2026-11-26T08:00:00Z")
        }
        return Google_Protobuf_Timestamp(date: date)
      }
      var request = Creditgate_V1_SearchAuditLogRequest()
      request.institutionID = institution
      request.method = method
      request.outcome = outcome
      request.purpose = purpose
      request.subjectCode = subject
      request.limit = limit
      if let from = try timestamp(since, "since") { request.from = from }
      if let until = try timestamp(until, "until") { request.until = until }
      let entries = try await client.call { grpc in
        try await Creditgate_V1_Oversight.Client(wrapping: grpc).searchAuditLog(
          request, metadata: client.metadata
        ) { response in
          var entries: [Creditgate_V1_AuditEntry] = []
          for try await entry in response.messages { entries.append(entry) }
          return entries
        }
      }
      if client.json {
        for entry in entries {
          var options = JSONEncodingOptions()
          options.preserveProtoFieldNames = true
          print(try entry.jsonString(options: options))
        }
        return
      }
      var table = Table(headers: ["query_id", "time", "institution", "operator", "method", "purpose", "outcome", "status", "records", "reason"])
      let formatter = ISO8601DateFormatter()
      for entry in entries {
        table.rows.append([
          String(entry.sequence), formatter.string(from: entry.time.date), entry.institutionID,
          entry.operatorID, String(entry.method.split(separator: "/").last ?? ""), entry.purpose,
          entry.outcome, String(entry.statusCode), String(entry.recordsDisclosed), entry.reason,
        ])
      }
      print(table.render())
      print("\(entries.count) entries")
    }
  }
}
