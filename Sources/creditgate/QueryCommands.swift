import ArgumentParser
import CreditGateClient
import CreditGateProtos
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
    try await client.run { grpc in
      try await Creditgate_V1_CreditQuery.Client(wrapping: grpc).verifyIdentity(
        request, metadata: client.metadata)
    } print: { response in
      let result = String(describing: response.result).uppercased()
      print("result: \(result.replacingOccurrences(of: "NOTFOUND", with: "NOT_FOUND"))")
      print("query_id: \(response.queryID)")
    }
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
    try await client.run { grpc in
      try await Creditgate_V1_CreditQuery.Client(wrapping: grpc).getProfile(
        request, metadata: client.metadata)
    } print: { response in
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
      printScope(covered: response.covered, withheld: response.withheld)
      for membership in response.lists {
        let records = membership.recordIds.isEmpty ? "(on it by records outside this answer)" : membership.recordIds.joined(separator: ", ")
        print("list: \(membership.list) \(records)")
      }
      if response.hasEvaluation {
        let evaluation = response.evaluation
        print(
          "evaluation: grade \(evaluation.grade), total \(evaluation.total) (model \(evaluation.modelVersion); basis: \(evaluation.basis))")
        for dimension in evaluation.dimensions {
          let factors = dimension.factors.isEmpty ? "" : "  " + dimension.factors.joined(separator: "; ")
          print("  \(dimension.dimension): \(dimension.score)\(factors)")
        }
      }
      printMeasures(response.measures)
      print("query_id: \(response.queryID)")
    }
  }
}

/// The scope of an answer: what it covered, and what it withheld grouped by reason.
func printScope(covered: [String], withheld: [Creditgate_V1_WithheldCategory]) {
  print("covered: \(covered.isEmpty ? "-" : covered.joined(separator: ", "))")
  var reasons: [String] = []
  var byReason: [String: [String]] = [:]
  for item in withheld {
    if byReason[item.reason] == nil { reasons.append(item.reason) }
    byReason[item.reason, default: []].append(item.category)
  }
  for reason in reasons { print("withheld, \(reason): \(byReason[reason, default: []].joined(separator: ", "))") }
}

func printMeasures(_ measures: [Creditgate_V1_AppliedMeasure]) {
  for measure in measures {
    let trigger = measure.triggerList.isEmpty ? measure.triggerRecordIds.joined(separator: ", ") : "list \(measure.triggerList)"
    print("measure: \(measure.effect) \(measure.measure) — \(measure.description_p) [\(measure.legalBasis)] (trigger: \(trigger))")
  }
}

struct Measures: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check which joint reward and punishment measures apply to a subject for a purpose.")
  @Argument(help: "The subject code.") var subjectCode: String
  @Option(help: "The purpose from the application list.") var purpose: String
  @Option(help: "The consent id, for consent-based purposes.") var consent = ""
  @OptionGroup var client: ClientOptions

  func run() async throws {
    let request = Creditgate_V1_CheckMeasuresRequest.with {
      $0.subjectCode = subjectCode
      $0.purpose = purpose
      $0.consentID = consent
    }
    try await client.run { grpc in
      try await Creditgate_V1_CreditQuery.Client(wrapping: grpc).checkMeasures(request, metadata: client.metadata)
    } print: { response in
      print("decision: \(response.decision)")
      printMeasures(response.measures)
      printScope(covered: response.covered, withheld: response.withheld)
      print("query_id: \(response.queryID)")
    }
  }
}

struct Lists: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show the published lists: the catalogue, the application list and the measures.")
  @OptionGroup var client: ClientOptions

  func run() async throws {
    try await client.run { grpc in
      try await Creditgate_V1_Oversight.Client(wrapping: grpc).getPublishedLists(.init(), metadata: client.metadata)
    } print: { lists in
      print("published lists, version \(lists.version)\n")
      var categories = Table(headers: ["category", "name", "polarity", "dimension", "repairable"])
      for category in lists.categories {
        categories.rows.append([
          category.code, category.name, String(describing: category.polarity), category.dimension,
          category.repairable ? "yes" : "no",
        ])
      }
      print(categories.render() + "\n")
      var purposes = Table(headers: ["purpose", "name", "kind", "grade", "categories"])
      for purpose in lists.purposes {
        purposes.rows.append([
          purpose.code, purpose.name, String(describing: purpose.kind), purpose.showsGrade ? "yes" : "no",
          purpose.categories.joined(separator: ", "),
        ])
      }
      print(purposes.render() + "\n")
      var measures = Table(headers: ["measure", "effect", "trigger", "purposes", "legal basis"])
      for measure in lists.measures {
        measures.rows.append([
          measure.code, measure.effect, measure.trigger, measure.purposes.joined(separator: ", "), measure.legalBasis,
        ])
      }
      print(measures.render())
    }
  }
}
