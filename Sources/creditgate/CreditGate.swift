import ArgumentParser

@main
struct CreditGate: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "creditgate",
    abstract: "A query gateway for public credit information: authorized, audited lookups over mutual TLS.",
    subcommands: [
      Serve.self, Certs.self, Verify.self, Profile.self, Audit.self,
    ])
}
