import ArgumentParser
import CreditGateProtos
import CreditGateServer
import Foundation

struct Verify: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check whether a name matches an identity number: MATCH, MISMATCH or NOT_FOUND.")
  @Argument(help: "The subject code (citizen identity number).") var subjectCode: String
  @Option(help: "The name to check.") var name: String
  @Option(help: "The purpose from the application list.") var purpose: String
  @OptionGroup var client: ClientOptions

  func run() async throws {
    let request = Creditgate_V1_VerifyIdentityRequest.with {
      $0.subjectCode = subjectCode
      $0.name = name
      $0.purpose = purpose
    }
    let response = try await client.call { grpc in
      try await Creditgate_V1_CreditQuery.Client(wrapping: grpc).verifyIdentity(
        request, metadata: client.metadata)
    }
    if client.json { return try client.printJSON(response) }
    let result = String(describing: response.result).uppercased()
    print("result: \(result.replacingOccurrences(of: "NOTFOUND", with: "NOT_FOUND"))")
    print("query_id: \(response.queryID)")
  }
}

struct Profile: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Look up a subject's credit profile for a purpose on the application list.")
  @Argument(help: "The subject code.") var subjectCode: String
  @Option(help: "The purpose from the application list.") var purpose: String
  @Option(name: .customLong("category"), help: "Narrow to these categories (repeatable).")
  var categories: [String] = []
  @Option(help: "The consent id, for consent-based purposes.") var consent = ""
  @OptionGroup var client: ClientOptions

  func run() async throws {
    let request = Creditgate_V1_GetProfileRequest.with {
      $0.subjectCode = subjectCode
      $0.purpose = purpose
      $0.categories = categories
      $0.consentID = consent
    }
    let response = try await client.call { grpc in
      try await Creditgate_V1_CreditQuery.Client(wrapping: grpc).getProfile(
        request, metadata: client.metadata)
    }
    if client.json { return try client.printJSON(response) }
    let subject = response.subject
    print("subject: \(subject.name) (\(String(describing: subject.kind)))")
    for warning in subject.warnings { print("warning: \(warning)") }
    print("purpose: \(purpose)")
    var table = Table(headers: ["record", "category", "severity", "decided", "disclosed until", "status", "title"])
    for record in response.records {
      table.rows.append([
        record.recordID, record.category,
        record.severity == .unspecified ? "-" : String(describing: record.severity),
        record.decidedOn, record.disclosureUntil, String(describing: record.status), record.title,
      ])
    }
    print(response.records.isEmpty ? "no records disclosed" : table.render())
    for item in response.withheld { print("withheld: \(item.category): \(item.reason)") }
    print("query_id: \(response.queryID)")
  }
}
