import ArgumentParser
import CreditGateClient
import CreditGateProtos
import Foundation
import SwiftProtobuf

/// `creditgate suspend`: a credit administrator suspends an institution or one of its operators.
struct Suspend: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Suspend an institution (or one operator) that misused access; every call of it is refused from the next on.")
  @Argument(help: "The institution's id.") var institutionID: String
  @Option(help: "Why (shown to it in every refusal).") var reason: String
  @Option(name: .customLong("only-operator"), help: "Suspend only this operator (x-operator-id) of the institution.")
  var onlyOperator = ""
  @Option(help: "How many days (default: until lifted).") var days: Double?
  @Option(help: "Make it from this anomaly of the institution in the last 24 hours, citing its entries (e.g. subjects-without-consent).")
  var anomaly = ""
  @OptionGroup var client: ClientOptions

  func validate() throws {
    if let days, !(days > 0 && days <= 3650) { throw ValidationError("--days must be more than 0 and at most 3650") }
  }

  func run() async throws {
    try await client.run { grpc in
      try await Creditgate_V1_Oversight.Client(wrapping: grpc).suspendInstitution(
        .with {
          $0.institutionID = institutionID
          $0.reason = reason
          $0.operatorID = onlyOperator
          $0.anomalyRule = anomaly
          if let days { $0.until = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(days * 86_400)) }
        }, metadata: client.metadata)
    } print: { printSuspensions([$0]) }
  }
}

/// `creditgate lift-suspension`.
struct LiftSuspension: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lift-suspension", abstract: "Lift a suspension; the institution's next call is let in.")
  @Argument(help: "The suspension id.") var suspensionID: String
  @Option(help: "Why.") var reason: String
  @OptionGroup var client: ClientOptions

  func run() async throws {
    try await client.run { grpc in
      try await Creditgate_V1_Oversight.Client(wrapping: grpc).liftSuspension(
        .with {
          $0.suspensionID = suspensionID
          $0.reason = reason
        }, metadata: client.metadata)
    } print: { printSuspensions([$0]) }
  }
}

/// `creditgate suspensions`: the suspensions and their history.
struct Suspensions: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "List suspensions and their history, newest first.")
  @Option(help: "Only this institution's.") var institution = ""
  @Flag(help: "Only those in force.") var activeOnly = false
  @OptionGroup var client: ClientOptions

  func run() async throws {
    try await client.run { grpc in
      try await Creditgate_V1_Oversight.Client(wrapping: grpc).listSuspensions(
        .with {
          $0.institutionID = institution
          $0.activeOnly = activeOnly
        }, metadata: client.metadata)
    } print: { printSuspensions($0.suspensions) }
  }
}

func printSuspensions(_ suspensions: [Creditgate_V1_Suspension]) {
  guard !suspensions.isEmpty else {
    print("no suspensions")
    return
  }
  let formatter = ISO8601DateFormatter()
  var table = Table(headers: ["suspension", "institution", "operator", "since", "until", "state", "reason", "anomaly"])
  for suspension in suspensions {
    let state = suspension.active ? "ACTIVE" : suspension.lifted ? "LIFTED by \(suspension.liftedBy)" : "ENDED"
    let anomaly =
      suspension.anomalyRule.isEmpty ? "-" : "\(suspension.anomalyRule) (entries \(suspension.anomalySequences.map(String.init).joined(separator: ",")))"
    table.rows.append([
      suspension.suspensionID, suspension.institutionID, suspension.operatorID.isEmpty ? "(all)" : suspension.operatorID,
      formatter.string(from: suspension.since.date), suspension.hasUntil ? formatter.string(from: suspension.until.date) : "until lifted",
      state, suspension.reason, anomaly,
    ])
  }
  print(table.render())
}
