import ArgumentParser
import CreditGateClient
import CreditGateProtos
import CreditGateCore
import CreditGateServer
import Crypto
import Foundation
import SwiftProtobuf

struct Audit: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Review and verify the audit log (privacy office).",
    subcommands: [
      Search.self, Stats.self, Anomalies.self, Checkpoint.self, Export.self, Verify.self,
      PublicKey.self, AccessLog.self, Check.self,
    ])

  struct Search: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Search the audit log.")
    @Option(help: "Only calls by this institution.") var institution = ""
    @Option(help: "Only this method (e.g. GetProfile).") var method = ""
    @Option(help: "ANSWERED, DENIED, INVALID or FAILED.") var outcome = ""
    @Option(help: "Only queries for this purpose.") var purpose = ""
    @Option(help: "Only calls about this subject code (matched through the pseudonym).") var subject = ""
    @Option(help: "At most this many entries (default 1000).") var limit: UInt32 = 0
    @OptionGroup var window: TimeWindow
    @OptionGroup var client: ClientOptions

    func run() async throws {
      var request = Creditgate_V1_SearchAuditLogRequest()
      request.institutionID = institution
      request.method = method
      request.outcome = outcome
      request.purpose = purpose
      request.subjectCode = subject
      request.limit = limit
      if let from = try window.timestamp(window.since, "since") { request.from = from }
      if let until = try window.timestamp(window.until, "until") { request.until = until }
      try await client.run { grpc in
        try await Creditgate_V1_Oversight.Client(wrapping: grpc).searchAuditLog(
          request, metadata: client.metadata
        ) { response in
          var entries: [Creditgate_V1_AuditEntry] = []
          for try await entry in response.messages { entries.append(entry) }
          return entries
        }
      } json: { $0 } print: { (entries: [Creditgate_V1_AuditEntry]) in
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
}

extension Audit {
  struct PublicKey: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "public-key",
      abstract: "Print the checkpoint verifier key (C2SP signed-note vkey) of this gateway's log.")
    @Option(help: "The configuration file (for the log's origin).") var config = "config/gateway.json"
    @Option(help: "Folder of the keys (default: the configuration's data_dir).") var data: String?

    func run() throws {
      var configuration = try GatewayConfiguration.load(from: config)
      if let data { configuration.dataDirectory = data }
      let path = configuration.signingKeyPath
      guard let key = FileManager.default.contents(atPath: path) else {
        throw ValidationError("no signing key at \(path): start the gateway once to create it")
      }
      print(try NoteSigner(name: configuration.auditOrigin, privateKeyRaw: Array(key)).publicVerifierKey)
    }
  }

  struct Checkpoint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Fetch the latest signed checkpoint (C2SP tlog-checkpoint) and keep it.")
    @Option(help: "Write the signed note here (default: print it).") var out: String?
    @OptionGroup var client: ClientOptions

    func run() async throws {
      try await client.run { grpc in
        try await Creditgate_V1_Oversight.Client(wrapping: grpc).getCheckpoint(.init(), metadata: client.metadata)
      } print: { checkpoint in
        if let out {
          try checkpoint.signedNote.write(toFile: out, atomically: true, encoding: .utf8)
          print("checkpoint of \(checkpoint.treeSize) entries written to \(out)")
        } else {
          print(checkpoint.signedNote, terminator: "")
        }
      }
    }
  }

  struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Export the audit log as JSON lines (each entry with its recorded leaf hash).")
    @Option(help: "The file to write.") var out: String
    @OptionGroup var client: ClientOptions

    func run() async throws {
      guard FileManager.default.createFile(atPath: out, contents: nil),
        let file = FileHandle(forWritingAtPath: out)
      else { throw ValidationError("cannot write \(out)") }
      defer { try? file.close() }
      // Up to the log's size now: the export calls are audited too, so the log grows as it goes.
      let size = try await client.call { grpc in
        try await Creditgate_V1_Oversight.Client(wrapping: grpc).getCheckpoint(.init(), metadata: client.metadata)
      }.treeSize
      var after: UInt64 = 0
      var count = 0
      while after < size {
        let page = try await client.call { grpc in
          try await Creditgate_V1_Oversight.Client(wrapping: grpc).exportAuditLog(
            .with {
              $0.afterSequence = after
              $0.limit = 10_000
            }, metadata: client.metadata
          ) { response in
            var page: [Creditgate_V1_ExportedAuditEntry] = []
            for try await item in response.messages { page.append(item) }
            return page
          }
        }
        guard let last = page.last else { break }
        for item in page where item.entry.sequence <= size {
          file.write(Data((try item.jsonString(options: .protoFieldNames) + "\n").utf8))
        }
        count += page.count(where: { $0.entry.sequence <= size })
        after = last.entry.sequence
        FileHandle.standardError.write(Data("\rexported \(count) entries".utf8))
      }
      FileHandle.standardError.write(Data("\n".utf8))
      print("exported \(count) entries to \(out)")
    }
  }

  struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Verify an exported log offline against a signed checkpoint.",
      discussion: """
        Checks the checkpoint's Ed25519 signature with the verifier key, recomputes every \
        entry's leaf hash from its deterministic encoding (RFC 9162), names every entry \
        that does not match the hash recorded when it was appended (or is out of sequence, \
        of another origin or unreadable) with a count, and recomputes the tree root at the \
        checkpoint's size.
        """)
    @Option(help: "The export (JSON lines from `audit export`).") var export: String
    @Option(help: "The signed checkpoint (from `audit checkpoint --out`).") var checkpoint: String
    @Option(help: "The verifier key (from `audit public-key`).") var key: String

    func run() throws {
      let verifier = try NoteVerifier(vkey: key.trimmingCharacters(in: .whitespacesAndNewlines))
      let signed = try verifier.verify(note: String(contentsOfFile: checkpoint, encoding: .utf8))
      print("checkpoint: signature good; origin \(signed.origin), \(signed.size) entries")
      var verification = LogVerification(checkpoint: signed)
      var options = BinaryEncodingOptions()
      options.useDeterministicOrdering = true
      for line in try String(contentsOfFile: export, encoding: .utf8).split(separator: "\n") {
        do {
          let item = try Creditgate_V1_ExportedAuditEntry(jsonString: String(line))
          verification.add(
            sequence: item.entry.sequence, origin: item.entry.origin,
            encoding: try item.entry.serializedBytes(options: options), recordedLeafHash: Array(item.leafHash))
        } catch {
          verification.addUnreadable("not an exported entry")
        }
      }
      for failure in verification.failures { print(failure) }
      if !verification.failures.isEmpty {
        print("\(verification.failures.count) of \(verification.tree.size) entries fail")
      }
      if let problem = verification.treeProblem { print(problem) }
      guard verification.isVerified else { throw ExitCode.failure }
      let tree = verification.tree
      print("verified: \(tree.size) entries; the first \(signed.size) match the signed checkpoint")
    }
  }
}

/// `--since` / `--until` as protobuf timestamps.
struct TimeWindow: ParsableArguments {
  @Option(help: "From this time (ISO 8601, inclusive).") var since: String?
  @Option(help: "Until this time (ISO 8601, exclusive).") var until: String?

  func timestamp(_ text: String?, _ flag: String) throws -> Google_Protobuf_Timestamp? {
    guard let text else { return nil }
    guard let date = try? Date(text, strategy: .iso8601) else {
      throw ValidationError("--\(flag) must be an ISO 8601 time such as 2026-11-26T08:00:00Z")
    }
    return Google_Protobuf_Timestamp(date: date)
  }
}

extension Audit {
  struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Count calls per day, institution, method and outcome.")
    @OptionGroup var window: TimeWindow
    @OptionGroup var client: ClientOptions

    func run() async throws {
      var request = Creditgate_V1_GetUsageStatsRequest()
      if let from = try window.timestamp(window.since, "since") { request.from = from }
      if let until = try window.timestamp(window.until, "until") { request.until = until }
      try await client.run { grpc in
        try await Creditgate_V1_Oversight.Client(wrapping: grpc).getUsageStats(request, metadata: client.metadata)
      } print: { stats in
        var table = Table(headers: ["day", "institution", "method", "outcome", "calls"])
        for count in stats.counts {
          table.rows.append([
            count.day, count.institutionID, String(count.method.split(separator: "/").last ?? ""),
            count.outcome, String(count.count),
          ])
        }
        print(table.render())
      }
    }
  }

  struct Anomalies: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List anomalies in the access log (default: the last 24 hours), with the entries behind each.")
    @OptionGroup var window: TimeWindow
    @OptionGroup var client: ClientOptions

    func run() async throws {
      var request = Creditgate_V1_ListAnomaliesRequest()
      if let from = try window.timestamp(window.since, "since") { request.from = from }
      if let until = try window.timestamp(window.until, "until") { request.until = until }
      try await client.run { grpc in
        try await Creditgate_V1_Oversight.Client(wrapping: grpc).listAnomalies(request, metadata: client.metadata)
      } print: { response in
        if response.anomalies.isEmpty { print("no anomalies") }
        for anomaly in response.anomalies {
          let entries = anomaly.sequences.prefix(20).map(String.init).joined(separator: ", ")
          print("\(anomaly.rule)  \(anomaly.institutionID)  \(anomaly.description_p)")
          print("  entries: \(entries)\(anomaly.sequences.count > 20 ? ", …" : "")")
        }
      }
    }
  }

  struct AccessLog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "access-log",
      abstract: "Through the portal: every audited call about a person, with inclusion proofs.",
      discussion: """
        With --verify, checks the answer offline as the person's app would: the checkpoint's \
        Ed25519 signature with the log's verifier key (from `audit public-key`), every entry's \
        leaf hash recomputed from its deterministic encoding and its inclusion proof, and the \
        links between the person's entries, which show an entry left out. Exits non-zero if \
        anything fails.
        """)
    @Argument(help: "The person's subject code.") var subjectCode: String
    @Flag(help: "Verify the entries, their proofs and their links against the signed checkpoint.") var verify = false
    @Option(help: "The log's verifier key (from `audit public-key`); required with --verify.") var key: String?
    @OptionGroup var client: ClientOptions

    func validate() throws {
      if verify, key == nil { throw ValidationError("--verify needs the log's verifier key: --key (from `audit public-key`)") }
    }

    func run() async throws {
      let response = try await client.call { grpc in
        try await Creditgate_V1_SubjectRights.Client(wrapping: grpc).listAccessLog(
          .with { $0.subjectCode = subjectCode }, metadata: client.metadata)
      }
      if client.json {
        print(try response.jsonString(options: .protoFieldNames))
      } else {
        var table = Table(headers: ["query_id", "time", "institution", "method", "purpose", "outcome", "links to"])
        let formatter = ISO8601DateFormatter()
        for entry in response.entries {
          table.rows.append([
            String(entry.sequence), formatter.string(from: entry.time.date), entry.institutionID,
            entry.method.split(separator: "/").last.map(String.init) ?? entry.method, entry.purpose, entry.outcome,
            entry.entry.previousSubjectSequence == 0 ? "-" : String(entry.entry.previousSubjectSequence),
          ])
        }
        print(response.entries.isEmpty ? "no audited call about this subject" : table.render())
        print("checkpoint: \(response.checkpoint.origin), tree size \(response.checkpoint.treeSize)")
        print("query_id: \(response.queryID)")
      }
      guard verify, let key else { return }
      let verifier = try NoteVerifier(vkey: key.trimmingCharacters(in: .whitespacesAndNewlines))
      let report: AccessLogVerification.Report
      do {
        report = try AccessLogVerification.verify(response, verifier: verifier)
      } catch {
        printError("verification failed: the checkpoint's signature does not verify with this key (\(error))")
        throw ExitCode.failure
      }
      for problem in report.problems { printError(problem) }
      guard report.problems.isEmpty else {
        printError("verification failed: \(report.problems.count) problem(s) in \(report.entries) entries")
        throw ExitCode.failure
      }
      let message =
        "verified: \(report.entries) entries are in the log \(report.checkpoint.origin) signed at tree size \(report.checkpoint.size), and none is left out between them"
      if client.json { printError(message) } else { print(message) }
    }
  }
}
