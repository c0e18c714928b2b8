import CreditGateCore
import CreditGateServer
import CreditGateTestKit
import Foundation
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
