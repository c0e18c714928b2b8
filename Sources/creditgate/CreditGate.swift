import ArgumentParser

@main
struct CreditGate: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "creditgate",
    abstract: "A query gateway for public credit information: authorized, audited lookups over mutual TLS.",
    subcommands: [
      Serve.self, Certs.self, Seed.self, Verify.self, Profile.self, Measures.self, ConsentCommand.self, Lists.self,
      Report.self, Objection.self, Repair.self, Complaint.self, Cases.self, Decide.self, RevokeRecord.self,
      Disclosures.self, Suspend.self, LiftSuspension.self, Suspensions.self, Audit.self, Bench.self,
    ])
}
