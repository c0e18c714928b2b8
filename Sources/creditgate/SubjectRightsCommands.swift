import ArgumentParser
import CreditGateClient
import CreditGateProtos
import Foundation

/// `creditgate report`: the person's own report, through the portal.
struct Report: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Through the portal: everything held about a person, also what is no longer disclosed.")
  @Argument(help: "The person's subject code.") var subjectCode: String
  @OptionGroup var client: ClientOptions

  func run() async throws {
    try await client.run { grpc in
      try await Creditgate_V1_SubjectRights.Client(wrapping: grpc).getOwnReport(
        .with { $0.subjectCode = subjectCode }, metadata: client.metadata)
    } print: { report in
      print("subject: \(report.subject.name) (\(String(describing: report.subject.kind)))")
      let standings = Dictionary(report.standings.map { ($0.recordID, $0) }, uniquingKeysWith: { first, _ in first })
      var table = Table(headers: ["record", "category", "severity", "decided", "status", "disclosed", "until", "repair"])
      for record in report.records {
        let standing = standings[record.recordID]
        table.rows.append([
          record.recordID, record.category,
          record.severity == .unspecified ? "-" : String(describing: record.severity), record.decidedOn,
          String(describing: record.status).uppercased(),
          standing.map { $0.disclosed ? "yes" : "no: \($0.notDisclosedReason)" } ?? "-",
          standing?.disclosedUntil.nonEmpty ?? "-",
          standing.map { $0.repairableFrom.nonEmpty.map { "from \($0)" } ?? $0.notRepairableReason.nonEmpty ?? "-" } ?? "-",
        ])
      }
      print(report.records.isEmpty ? "no records" : table.render())
      for membership in report.lists { print("list: \(membership.list) \(membership.recordIds.joined(separator: ", "))") }
      if report.hasEvaluation {
        let evaluation = report.evaluation
        print("evaluation: grade \(evaluation.grade), total \(evaluation.total) (model \(evaluation.modelVersion); basis: \(evaluation.basis))")
        for dimension in evaluation.dimensions {
          let factors = dimension.factors.isEmpty ? "" : "  " + dimension.factors.joined(separator: "; ")
          print("  \(dimension.dimension): \(dimension.score)\(factors)")
        }
      }
      for consent in report.consents {
        print("consent: \(consent.consentID) to \(consent.granteeInstitutionID) for \(consent.purpose), \(String(describing: consent.status).uppercased())")
      }
      for item in report.cases {
        print("case: \(item.caseID) \(item.kind) on \(item.recordID): \(item.status), decide by \(item.decideBy)\(item.decisionReason.isEmpty ? "" : " — \(item.decisionReason)")")
      }
      let formatter = ISO8601DateFormatter()
      for summary in report.queriedBy {
        print("queried by: \(summary.institutionID) for \(summary.purpose): \(summary.answered) answered, \(summary.refused) refused, last \(formatter.string(from: summary.lastAt.date))")
      }
      print("query_id: \(report.queryID)")
    }
  }
}

/// What the person files a case with: the record and their statement.
struct FilingArguments: ParsableArguments {
  @Argument(help: "The person's subject code.") var subjectCode: String
  @Option(help: "The record's gateway id (from `creditgate report`).") var record: String
  @Option(help: "The person's statement: what is wrong, or how the breach was corrected.") var statement: String
}

/// Prints a filed case: its id, its deadline (and why it is provisional), the query id.
func printFiled(caseID: String, decideBy: String, provisionalReason: String, queryID: UInt64) {
  print("case_id: \(caseID)")
  print("decide_by: \(decideBy)\(provisionalReason.isEmpty ? "" : " (\(provisionalReason))")")
  print("query_id: \(queryID)")
}

/// `creditgate objection`: the person objects to a record (异议).
struct Objection: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Through the portal: object to a record; it is flagged DISPUTED at once, decided within 5 working days.")
  @OptionGroup var filing: FilingArguments
  @OptionGroup var client: ClientOptions

  func run() async throws {
    try await client.run { grpc in
      try await Creditgate_V1_SubjectRights.Client(wrapping: grpc).fileObjection(
        .with {
          $0.subjectCode = filing.subjectCode
          $0.recordID = filing.record
          $0.statement = filing.statement
        }, metadata: client.metadata)
    } print: {
      printFiled(caseID: $0.caseID, decideBy: $0.decideBy, provisionalReason: $0.provisionalReason, queryID: $0.queryID)
    }
  }
}

/// `creditgate repair`: the person applies for credit repair (信用修复).
struct Repair: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Through the portal: apply to repair a trust-breaking record after its minimum disclosure period.")
  @OptionGroup var filing: FilingArguments
  @Option(name: .customLong("ground"), help: "A trust-keeping record of the person cited as a ground (volunteer service, charity; repeatable).")
  var grounds: [String] = []
  @OptionGroup var client: ClientOptions

  func run() async throws {
    try await client.run { grpc in
      try await Creditgate_V1_SubjectRights.Client(wrapping: grpc).applyForRepair(
        .with {
          $0.subjectCode = filing.subjectCode
          $0.recordID = filing.record
          $0.statement = filing.statement
          $0.groundRecordIds = grounds
        }, metadata: client.metadata)
    } print: {
      printFiled(caseID: $0.caseID, decideBy: $0.decideBy, provisionalReason: $0.provisionalReason, queryID: $0.queryID)
    }
  }
}

/// `creditgate cases`: the credit office's (and the privacy office's) list of cases, or one case.
struct Cases: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List objections and repair applications, overdue ones first; or show one case with its record.",
    discussion: """
      The list identifies nobody (no record, no statement). Naming a case shows it with its \
      record and the person's statement (credit-admin); that call is in the person's access log.
      """)
  @Argument(help: "A case id: show this case with its record.") var caseID: String?
  @Option(help: "Only cases in this status: OPEN, UPHELD, REJECTED, APPROVED or REFUSED.") var status = ""
  @OptionGroup var client: ClientOptions

  func run() async throws {
    if let caseID {
      try await client.run { grpc in
        try await Creditgate_V1_Oversight.Client(wrapping: grpc).getCase(.with { $0.caseID = caseID }, metadata: client.metadata)
      } print: { item in
        print("case: \(item.caseID) \(item.kind), \(item.status)\(item.overdue ? ", OVERDUE" : "")")
        print("decide by: \(item.decideBy)\(item.decideByProvisional ? " (\(item.provisionalReason))" : "")")
        print("statement: \(item.statement)")
        for ground in item.grounds {
          print("ground: \(ground.recordID) \(ground.category) — \(ground.title), decided \(ground.decidedOn)")
        }
        let record = item.record
        if item.hasRecord { print("record: \(record.recordID) \(record.category) \(String(describing: record.severity)) \(String(describing: record.status).uppercased())")
        print("  \(record.title) — \(record.documentNumber), decided \(record.decidedOn), by \(record.providerInstitutionID)") }
        if item.kind == "COMPLAINT" { print("about: \(item.category) by the government body \(item.recordID.isEmpty ? "(no record yet)" : item.recordID)") }
        if !item.decisionReason.isEmpty { print("decision: \(item.decisionReason) (\(item.decidedBy))") }
      }
      return
    }
    try await client.run { grpc in
      try await Creditgate_V1_Oversight.Client(wrapping: grpc).listCases(
        .with { $0.status = status }, metadata: client.metadata)
    } print: { response in
      var table = Table(headers: ["case", "kind", "record", "category", "status", "decide by"])
      for item in response.cases {
        let due = item.decideBy + (item.overdue ? " OVERDUE" : "") + (item.decideByProvisional ? " (provisional)" : "")
        table.rows.append([item.caseID, item.kind, item.recordID, item.category, item.status, due])
      }
      print(response.cases.isEmpty ? "no cases" : table.render())
    }
  }
}

/// `creditgate decide`: a credit administrator decides a case.
struct Decide: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Decide a case (credit-admin): uphold an objection or approve a repair, or reject it.")
  @Argument(help: "The case id.") var caseID: String
  @Flag(help: "Uphold the objection, or approve the repair.") var uphold = false
  @Flag(help: "Reject the objection, or refuse the repair.") var reject = false
  @Option(help: "The reason, shown to the person.") var reason: String
  @OptionGroup var client: ClientOptions

  func validate() throws {
    guard uphold != reject else { throw ValidationError("say --uphold or --reject") }
  }

  func run() async throws {
    try await client.run { grpc in
      try await Creditgate_V1_Oversight.Client(wrapping: grpc).decideCase(
        .with {
          $0.caseID = caseID
          $0.upheld = uphold
          $0.reason = reason
        }, metadata: client.metadata)
    } print: { response in
      print("\(response.case.caseID): \(response.case.status) — \(response.case.decisionReason)")
    }
  }
}

/// `creditgate revoke-record`: a provider withdraws one of its own records.
struct RevokeRecord: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "revoke-record",
    abstract: "Revoke one of the provider's own records (the decision was revoked); it leaves every query at once.")
  @Argument(help: "The provider's own record id.") var providerRecordID = ""
  @Option(help: "Or the gateway's record id.") var recordID = ""
  @Option(help: "Why it is revoked.") var reason: String
  @OptionGroup var client: ClientOptions

  func validate() throws {
    guard providerRecordID.isEmpty != recordID.isEmpty else {
      throw ValidationError("name the record once: its provider record id, or --record-id")
    }
  }

  func run() async throws {
    try await client.run { grpc in
      try await Creditgate_V1_CreditRecords.Client(wrapping: grpc).revokeRecord(
        .with {
          $0.providerRecordID = providerRecordID
          $0.recordID = recordID
          $0.reason = reason
        }, metadata: client.metadata)
    } print: { response in
      print("revoked \(response.recordID)")
      print("query_id: \(response.queryID)")
    }
  }
}

/// `creditgate complaint`: a complaint about a government body's dishonesty (投诉举报).
struct Complaint: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Through the portal: complain about a government body's dishonesty; the credit office decides within 15 working days.")
  @Argument(help: "The government body's unified social credit code.") var governmentCode: String
  @Option(help: "A trust-breaking category of the government part of the catalogue, e.g. contract-breach.") var category: String
  @Option(help: "What happened.") var description: String
  @OptionGroup var client: ClientOptions

  func run() async throws {
    try await client.run { grpc in
      try await Creditgate_V1_SubjectRights.Client(wrapping: grpc).fileComplaint(
        .with {
          $0.governmentCode = governmentCode
          $0.category = category
          $0.description_p = description
        }, metadata: client.metadata)
    } print: {
      printFiled(caseID: $0.caseID, decideBy: $0.decideBy, provisionalReason: $0.provisionalReason, queryID: $0.queryID)
    }
  }
}

/// `creditgate disclosures`: the public red and black lists.
struct Disclosures: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Through the portal: the subjects now on the serious-dishonesty (or red) list, masked, page by page.")
  @Option(help: "serious-dishonesty or red.") var list = "serious-dishonesty"
  @Option(help: "A prefix of the GB/T 2260 region code, e.g. 3301.") var region = ""
  @Option(help: "Only subjects put there by records of this category.") var category = ""
  @Option(help: "The page token of the previous page.") var pageToken = ""
  @Option(help: "Subjects per page (at most 100).") var pageSize: UInt32 = 20
  @OptionGroup var client: ClientOptions

  func run() async throws {
    try await client.run { grpc in
      try await Creditgate_V1_SubjectRights.Client(wrapping: grpc).listDisclosures(
        .with {
          $0.list = list
          $0.region = region
          $0.category = category
          $0.pageToken = pageToken
          $0.pageSize = pageSize
        }, metadata: client.metadata)
    } print: { response in
      var table = Table(headers: ["name", "code", "category", "severity", "decided", "disclosed until", "title"])
      for entry in response.entries {
        for record in entry.records {
          table.rows.append([
            entry.maskedName, entry.maskedCode, record.category,
            record.severity == .unspecified ? "-" : String(describing: record.severity), record.decidedOn,
            record.disclosureUntil, record.title,
          ])
        }
      }
      print(response.entries.isEmpty ? "nobody" : table.render())
      if !response.nextPageToken.isEmpty { print("next page: --page-token \(response.nextPageToken)") }
      print("query_id: \(response.queryID)")
    }
  }
}

extension String {
  fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
