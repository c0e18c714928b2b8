import ArgumentParser
import CreditGateCore
import CreditGateServer
import Foundation

extension Audit {
  /// The gateway's start-up check, run on its own: an operator checks a database (a backup,
  /// one restored) before starting on it, and it measures how long the start-up check takes.
  struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check the audit log in a database against its signed checkpoints, as `serve` does at start.")
    @Option(help: "The configuration file (for the log's origin and storage).") var config = "config/gateway.json"
    @Option(help: "Folder of the database and keys (default: the configuration's data_dir).") var data: String?
    @Option(help: "sqlite:PATH (default: the configuration's storage).") var storage: String?
    @Option(help: "First append this many synthetic entries, signed as the gateway signs them, in batches of --batch (for measuring the check on a large log).")
    var appendSynthetic = 0
    @Option(help: "Entries per batch with --append-synthetic.") var batch = 1000

    func run() async throws {
      var configuration = try GatewayConfiguration.load(from: config)
      if let data { configuration.dataDirectory = data }
      if let storage { configuration.storage = storage }
      let signer = try configuration.auditSigner()
      let (result, seconds) = try await GatewayStorage.withStore(configuration.storageURL) { store in
        if appendSynthetic > 0 {
          try await AuditLogCheck.appendSynthetic(appendSynthetic, batch: batch, to: store, signer: signer)
        }
        let start = ContinuousClock.now
        let result = try await AuditLogCheck.run(store: store, signer: signer)
        return (result, (ContinuousClock.now - start) / .seconds(1))
      }
      print(
        "audit log intact: \(result.tree.size) entries, latest checkpoint at tree size \(result.checkpoint?.checkpoint.size ?? 0); checked in \(String(format: "%.2f", seconds)) s")
    }
  }
}
