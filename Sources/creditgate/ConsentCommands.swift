import ArgumentParser
import CreditGateClient
import Crypto
import CreditGateProtos
import Foundation
import SwiftProtobuf

struct ConsentCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "consent", abstract: "Grant, revoke and list consents.",
    subcommands: [Grant.self, Revoke.self, List.self])

  struct Grant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Record a consent: through the portal for a person, or as the grantee with the signed form's digest.")
    @Argument(help: "The subject code of the person who consents.") var subjectCode: String
    @Option(help: "The institution the consent is given to (default: the caller).") var grantee = ""
    @Option(help: "The consent-based purpose.") var purpose: String
    @Option(name: .customLong("category"), help: "Categories covered (repeatable; default: the purpose's).")
    var categories: [String] = []
    @Option(help: "How many days the consent runs.") var days = 30
    @Option(help: "How many queries it allows (0: no limit within the period).") var maxUses: UInt32 = 0
    @Option(help: "The signed authorization form; its SHA-256 is recorded as evidence.") var evidenceFile: String?
    @OptionGroup var client: ClientOptions

    func run() async throws {
      var request = Creditgate_V1_GrantConsentRequest()
      request.subjectCode = subjectCode
      request.granteeInstitutionID = grantee
      request.purpose = purpose
      request.categories = categories
      request.validUntil = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(Double(days) * 86_400))
      request.maxUses = maxUses
      if let evidenceFile {
        let form = try Data(contentsOf: URL(filePath: evidenceFile))
        request.evidenceDigest = SHA256.hash(data: form).map { String(format: "%02x", $0) }.joined()
      }
      try await client.run { grpc in
        try await Creditgate_V1_Consents.Client(wrapping: grpc).grantConsent(request, metadata: client.metadata)
      } print: { response in
        print("consent_id: \(response.consentID)")
        print("query_id: \(response.queryID)")
      }
    }
  }

  struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Revoke a consent; the next query is refused.")
    @Argument(help: "The consent id.") var consentID: String
    @OptionGroup var client: ClientOptions

    func run() async throws {
      try await client.run { grpc in
        try await Creditgate_V1_Consents.Client(wrapping: grpc).revokeConsent(
          .with { $0.consentID = consentID }, metadata: client.metadata)
      } print: { response in
        print("revoked \(consentID)")
        print("query_id: \(response.queryID)")
      }
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List a subject's consents (the grantee sees its own).")
    @Argument(help: "The subject code.") var subjectCode: String
    @OptionGroup var client: ClientOptions

    func run() async throws {
      try await client.run { grpc in
        try await Creditgate_V1_Consents.Client(wrapping: grpc).listConsents(
          .with { $0.subjectCode = subjectCode }, metadata: client.metadata)
      } print: { response in
        var table = Table(headers: ["consent", "grantee", "purpose", "status", "uses", "valid until", "categories"])
        let formatter = ISO8601DateFormatter()
        for consent in response.consents {
          table.rows.append([
            consent.consentID, consent.granteeInstitutionID, consent.purpose,
            String(describing: consent.status).uppercased(),
            consent.maxUses == 0 ? "\(consent.uses)" : "\(consent.uses)/\(consent.maxUses)",
            formatter.string(from: consent.validUntil.date), consent.categories.joined(separator: ", "),
          ])
        }
        print(response.consents.isEmpty ? "no consents" : table.render())
        print("query_id: \(response.queryID)")
      }
    }
  }
}
