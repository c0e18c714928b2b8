import CreditGateCore
import CreditGateServer
import CreditGateTestKit
import Foundation
import Logging
import Testing

/// A mistake in the configuration stops the server at start with a message that names it.
@Suite("Configuration")
struct ConfigurationTests {
  static let lists = Result { try PublishedLists.load(from: TestGateway.repositoryRoot.appending(path: "config")) }

  @Test("the shipped configuration resolves, with the demo institutions of the contract")
  func shipped() throws {
    let configuration = try GatewayConfiguration.load(
      from: TestGateway.repositoryRoot.appending(path: "config/gateway.json").path)
    let institutions = try configuration.resolveInstitutions(lists: try Self.lists.get())
    let byID = Dictionary(uniqueKeysWithValues: institutions.map { ($0.id, $0) })
    #expect(Set(byID.keys) == [
      "demo-bank", "demo-hr-bureau", "demo-court", "demo-population-registry", "demo-data-platform",
      "demo-portal", "demo-privacy-office", "demo-credit-office",
    ])
    let lists = try Self.lists.get()
    #expect(byID["demo-bank"]?.purposes == Set(lists.purposes.filter { $0.kind == .consent }.map(\.code)))
    #expect(byID["demo-hr-bureau"]?.purposes == Set(lists.purposes.filter { $0.kind == .statutory }.map(\.code)))
    #expect(byID["demo-court"]?.categories == Set(["dishonest-judgment-debtor", "judgment-nonperformance"]))
    #expect(byID["demo-data-platform"]?.registers == Set(SubjectKind.allCases))
    #expect(byID["demo-privacy-office"]?.roles == Set([Role.privacyOffice]))
    #expect(byID["demo-credit-office"]?.roles == Set([Role.creditAdmin]))
  }

  @Test("the audit log's flush is durable unless the benchmark-only key relaxes it")
  func relaxedDurability() throws {
    #expect(try GatewayConfiguration.load(
      from: TestGateway.repositoryRoot.appending(path: "config/gateway.json").path).relaxedAuditDurability == false)
    let relaxed = try JSONDecoder().decode(
      GatewayConfiguration.self, from: Data(#"{"audit": {"relaxed_durability_for_benchmarks": true}}"#.utf8))
    #expect(relaxed.relaxedAuditDurability)
    let durable = try JSONDecoder().decode(GatewayConfiguration.self, from: Data(#"{"audit": {"origin": "x.example/log"}}"#.utf8))
    #expect(!durable.relaxedAuditDurability)
  }

  static let mistakes: [(json: String, message: String)] = [
    (#"{"institutions": [{"id": "a", "roles": ["query"], "purposes": ["astrology"]}]}"#, #"purpose "astrology""#),
    (#"{"institutions": [{"id": "a", "roles": ["provider"], "categories": ["gossip"]}]}"#, #"category "gossip""#),
    (#"{"institutions": [{"id": "a", "roles": ["query"], "query_kind": "statutory", "purposes": ["commercial-loan"]}]}"#, "is not statutory"),
    (#"{"institutions": [{"id": "a", "roles": ["query"]}, {"id": "a", "roles": ["portal"]}]}"#, "appears twice"),
    (#"{"institutions": [{"id": "a", "roles": []}]}"#, "roles is empty"),
    (#"{"institutions": [{"id": "a", "roles": ["query"], "quota_per_minute": 0}]}"#, "quota_per_minute"),
    (#"{"institutions": [{"id": "a", "roles": ["admin"]}]}"#, "institutions[0].roles[0]"),
    (#"{"listen": "8443"}"#, "listen"),
    ("{\n\"listen\": \"127.0.0.1:1\",\n oops }", "line 3"),
  ]

  @Test("mistakes are refused with a message naming them", arguments: mistakes)
  func mistake(_ json: String, _ message: String) throws {
    let file = FileManager.default.temporaryDirectory.appending(path: "gateway-\(UUID().uuidString).json")
    try json.write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    let error = try #require(throws: ConfigurationError.self) {
      let configuration = try GatewayConfiguration.load(from: file.path)
      _ = try configuration.listenAddress()
      _ = try configuration.resolveInstitutions(lists: try Self.lists.get())
    }
    #expect(error.description.contains(message), "\(error.description)")
  }
}

/// Revoked serials and the load limits (issue 8, defects 6 and 7): a typo stops the start.
@Suite("Configuration: revoked serials and limits")
struct ConfigurationLimitsTests {
  static func load(_ json: String) throws -> GatewayConfiguration {
    let file = FileManager.default.temporaryDirectory.appending(path: "gateway-\(UUID().uuidString).json")
    try json.write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    return try GatewayConfiguration.load(from: file.path)
  }

  @Test("a revoked serial that is not hex stops the start, naming the key and the entry", arguments: [
    "0A:1B:2G", "serial-42", "", "0a 1b", "0x1F", ":0a", "0a::1b",
  ])
  func badSerial(_ serial: String) throws {
    let configuration = try Self.load(#"{"revoked_serials": ["0A:1B", "\#(serial)"]}"#)
    let error = try #require(throws: ConfigurationError.self) { try configuration.validate() }
    #expect(error.description.contains("revoked_serials[1]"), "\(error)")
    #expect(error.description.contains("\"\(serial)\""), "\(error)")
  }

  @Test("hex serials in any case, with or without colons, are accepted", arguments: [
    "0a:1b:2c", "0A1B2C", "7f", "00:FF",
  ])
  func goodSerial(_ serial: String) throws {
    try Self.load(#"{"revoked_serials": ["\#(serial)"]}"#).validate()
  }

  @Test("the load limits default, load and are checked")
  func limits() throws {
    let defaults = try Self.load("{}")
    #expect(defaults.maxCallsInFlight == AdmissionLimiter.defaultLimit)
    #expect(defaults.maxConcurrentStreams == 64)
    let set = try Self.load(#"{"max_calls_in_flight": 64, "max_concurrent_streams": 32}"#)
    #expect(set.maxCallsInFlight == 64)
    #expect(set.maxConcurrentStreams == 32)
    for json in [#"{"max_calls_in_flight": 0}"#, #"{"max_concurrent_streams": 0}"#] {
      let error = try #require(throws: ConfigurationError.self) { try Self.load(json).validate() }
      #expect(error.description.contains("max_"), "\(error)")
    }
  }
}

/// Key files and the data folder (issue 8, defect 7): owner-only from the start, and a key that
/// others can read stops the start.
@Suite("Key files")
struct KeyFileTests {
  static func mode(_ path: String) throws -> Int {
    try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) & 0o777
  }

  @Test("a fresh start writes every key 0600 and the data folder 0700")
  func freshStart() async throws {
    try await TestGateway.withRunning { gateway in
      let data = gateway.directory.appending(path: "data").path
      let dataMode = try Self.mode(data)
      #expect(dataMode == 0o700)
      for key in ["pseudonym.key", "audit-signing.key"] {
        let mode = try Self.mode("\(data)/\(key)")
        #expect(mode == 0o600, "\(key)")
      }
      for key in [gateway.pki.layout.caKey, gateway.pki.layout.serverKey, gateway.pki.layout.clientKey("demo-hr-bureau")] {
        let mode = try Self.mode(key.path)
        #expect(mode == 0o600, "\(key.path)")
      }
    }
  }

  @Test("a key file that group or others can read stops the start, naming it and the fix",
        arguments: ["pseudonym.key", "audit-signing.key", "server-key.pem"])
  func readableKey(_ name: String) async throws {
    let directory = FileManager.default.temporaryDirectory.appending(path: "creditgate-keys-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    var configuration = try TestGateway.configuration(in: directory)
    let pki = DevelopmentPKI(directory: URL(filePath: configuration.certsDirectory))
    try pki.initialize(institutions: ["demo-hr-bureau"])
    try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
    let path = name == "server-key.pem" ? configuration.serverKeyPath : "\(configuration.dataDirectory)/\(name)"
    if name != "server-key.pem" {
      try Data(repeating: 7, count: 32).write(to: URL(filePath: path))
    }
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
    configuration.storage = "memory:"
    let error = try await #require(throws: ConfigurationError.self) {
      _ = try await GatewayServer(configuration: configuration, logger: .init(label: "test"), onListening: { _, _ in })
    }
    #expect(error.description.contains(path), "\(error)")
    #expect(error.description.contains("chmod 600"), "\(error)")
  }

  @Test("a secret is written owner-only and replaces what was there")
  func secretWrite() throws {
    let path = FileManager.default.temporaryDirectory.appending(path: "secret-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Data("old".utf8).write(to: URL(filePath: path))
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
    try SecretFile.write(Data("new".utf8), to: path)
    #expect(try Self.mode(path) == 0o600)
    #expect(FileManager.default.contents(atPath: path) == Data("new".utf8))
  }
}
