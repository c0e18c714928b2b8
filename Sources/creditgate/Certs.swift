import ArgumentParser
import CreditGateServer
import Foundation

struct Certs: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Manage the development PKI.", subcommands: [Init.self, Issue.self])

  struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Create the CA, the server certificate and a client certificate per configured institution.")
    @Option(help: "Folder of the development PKI.") var certs = "certs"
    @Option(help: "The configuration file naming the institutions.") var config = "config/gateway.json"

    func run() throws {
      let configuration = try GatewayConfiguration.load(from: config)
      let pki = DevelopmentPKI(directory: URL(filePath: certs))
      try pki.initialize(institutions: configuration.institutions.map(\.id))
      print("created \(pki.layout.caCertificate.path), \(pki.layout.serverCertificate.path) and \(configuration.institutions.count) client certificates")
    }
  }

  struct Issue: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Issue a client certificate for one institution with the existing CA.")
    @Argument(help: "The institution id (the certificate's common name).") var institution: String
    @Option(help: "Folder of the development PKI.") var certs = "certs"

    func run() throws {
      let pki = DevelopmentPKI(directory: URL(filePath: certs))
      try pki.issue(institution)
      print("issued \(pki.layout.clientCertificate(institution).path)")
    }
  }
}
