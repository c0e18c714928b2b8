import ArgumentParser
import CreditGateClient
import CreditGateCore
import CreditGateProtos
import CreditGateServer
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// `creditgate bench`: loads a running gateway over mutual TLS and prints what it measured.
struct Bench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Load a running gateway over mutual TLS: requests per second, latency percentiles, errors by status.",
    discussion: """
      Closed loop by default (--concurrency calls in flight over --connections connections); \\
      open loop with --rate (latency counted from each call's scheduled start). Subjects come \\
      from the synthetic population `seed` wrote (--subjects, --seed, --as-of), or the demo \\
      data set with --subjects 0. health, verify and profile call as demo-hr-bureau (statutory \\
      purpose civil-servant-recruitment); profile-consent as demo-bank, after the portal \\
      granted it a consent per subject used. A failed call is counted by its status, never as \\
      an answer.
      """)

  enum Method: String, ExpressibleByArgument, CaseIterable {
    case health, verify, profile, profileConsent = "profile-consent"
  }

  @Option(help: "health, verify, profile or profile-consent.") var method: Method
  @Option(help: "Connections.") var connections = 4
  @Option(help: "Calls in flight (closed loop), or the most in flight (open loop).") var concurrency = 64
  @Option(help: "Seconds to run.") var duration = 10.0
  @Option(help: "Calls per second (open loop); default: closed loop.") var rate: Double?
  @Option(help: "Subjects of the seeded population to draw from; 0: the demo data set.") var subjects = 0
  @Option(help: "The seed the population was written with.") var seed: UInt64 = 1
  @Option(help: "The day the population was written as of (YYYY-MM-DD; default today in China).") var asOf: String?
  @Option(help: "Distinct subjects the calls cycle through (consents are granted for each with profile-consent).")
  var distinct = 1000
  @Option(help: "Folder of the published lists.") var lists = "config"
  @Option(help: "The gateway's HOST:PORT.") var server = "127.0.0.1:8443"
  @Option(help: "Folder of the development PKI.") var certs = "certs"
  @Option(help: "The operator's id, sent as x-operator-id.") var `operator` = "bench"
  @Flag(help: "Print one JSON object instead of a table.") var json = false

  func validate() throws {
    guard connections > 0, concurrency >= connections else {
      throw ValidationError("--connections must be positive and --concurrency at least --connections")
    }
    guard duration > 0, duration <= 3600 else { throw ValidationError("--duration must be in (0, 3600] seconds") }
    if let rate { guard rate > 0, rate <= 1_000_000 else { throw ValidationError("--rate must be in (0, 1000000]") } }
    guard subjects >= 0, distinct > 0 else { throw ValidationError("--subjects must be >= 0 and --distinct > 0") }
    if let asOf, LocalDate(iso: asOf) == nil { throw ValidationError("--as-of must be YYYY-MM-DD") }
  }

  func run() async throws {
    let population = try persons()
    let metadata: Metadata = ["x-operator-id": .string(`operator`)]
    let institution = method == .profileConsent ? "demo-bank" : "demo-hr-bureau"
    let connection = try GatewayConnection(server: server, certsDirectory: certs, institution: institution)
    var consents: [String] = []
    if method == .profileConsent {
      consents = try await grant(population, metadata: metadata)
    }
    let call: LoadGenerator.Call
    switch method {
    case .health:
      call = { client, _ in
        _ = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init())
      }
    case .verify:
      call = { client, index in
        let person = population[index % population.count]
        let answer = try await Creditgate_V1_CreditQuery.Client(wrapping: client).verifyIdentity(
          .with {
            $0.subjectCode = person.code
            $0.name = person.name
            $0.purpose = "civil-servant-recruitment"
          }, metadata: metadata)
        guard answer.result == .match else { throw RPCError(code: .dataLoss, message: "not a MATCH") }
      }
    case .profile:
      call = { client, index in
        _ = try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
          .with {
            $0.subjectCode = population[index % population.count].code
            $0.purpose = "civil-servant-recruitment"
          }, metadata: metadata)
      }
    case .profileConsent:
      call = { [consents] client, index in
        let slot = index % consents.count
        _ = try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
          .with {
            $0.subjectCode = population[slot].code
            $0.purpose = "commercial-loan"
            $0.consentID = consents[slot]
          }, metadata: metadata)
      }
    }
    let generator = LoadGenerator(
      options: .init(
        connections: connections, concurrency: concurrency, duration: .milliseconds(Int64(duration * 1000)), rate: rate))
    let result = try await generator.run(method: method.rawValue, connection: connection, call: call) {
      answered, failed, elapsed in
      let line = String(format: "\r%@: %.0f s, %d answered, %d failed", method.rawValue, Double(elapsed.components.seconds), answered, failed)
      FileHandle.standardError.write(Data(line.utf8))
    }
    FileHandle.standardError.write(Data("\n".utf8))
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      print(String(decoding: try encoder.encode(result), as: UTF8.self))
    } else {
      print(String(format: "%@: %d answered in %.1f s, %.0f req/s", result.method, result.requests, result.seconds, result.rps))
      print(String(format: "latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f", result.p50Ms, result.p90Ms, result.p99Ms, result.p999Ms))
      for (code, count) in result.errors.sorted(by: { $0.key < $1.key }) { print("errors: \(code) \(count)") }
    }
    if result.requests == 0 { throw ExitCode.failure }
  }

  /// The persons the calls cycle through: the seeded population's (persons only, as the
  /// statutory purpose and the consent are for persons), or the demo data set's.
  private func persons() throws -> [Subject] {
    guard subjects > 0 else {
      return DemoData.subjects.filter { $0.kind == .person }
    }
    let published = try PublishedLists.load(from: URL(filePath: lists))
    let day = asOf.flatMap(LocalDate.init(iso:)) ?? LocalDate.todayInChina()
    let population = SyntheticPopulation(seed: seed, asOf: day, lists: published)
    let persons = population.batch(0..<min(subjects, max(distinct * 2, 100))).subjects.filter { $0.kind == .person }
    guard !persons.isEmpty else { throw ValidationError("the population's first subjects hold no person") }
    return Array(persons.prefix(distinct))
  }

  /// Grants demo-bank a commercial-loan consent for each person, through the portal.
  private func grant(_ persons: [Subject], metadata: Metadata) async throws -> [String] {
    let portal = try GatewayConnection(server: server, certsDirectory: certs, institution: "demo-portal")
    let until = Date().addingTimeInterval(30 * 86_400)
    return try await portal.withClient { client in
      let consents = Creditgate_V1_Consents.Client(wrapping: client)
      var ids: [String] = []
      for person in persons {
        ids.append(
          try await consents.grantConsent(
            .with {
              $0.subjectCode = person.code
              $0.granteeInstitutionID = "demo-bank"
              $0.purpose = "commercial-loan"
              $0.validUntil = .init(date: until)
            }, metadata: metadata
          ).consentID)
      }
      return ids
    }
  }
}
