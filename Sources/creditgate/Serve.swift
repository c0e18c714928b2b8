import ArgumentParser
import CreditGateServer
import Foundation
import Logging
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run the gateway (creates the development PKI, keys and demo data on first start).")

  @Option(help: "The configuration file.") var config = "config/gateway.json"
  @Option(help: "HOST:PORT to listen on; port 0 picks a free port.") var listen: String?
  @Option(help: "Folder for the database and keys.") var data: String?
  @Option(help: "Folder of the development PKI.") var certs: String?
  @Option(help: "sqlite:PATH or memory:") var storage: String?
  @Option(help: "HOST:PORT of the Prometheus metrics endpoint (plain HTTP).") var metricsListen: String?
  @Flag(help: "Do not load the demo data set into a new database.") var noDemoData = false
  @Flag(help: "Relax the audit log's flush (benchmark comparisons only: answers may leave before their entries reach the disk).")
  var relaxedAuditForBenchmarks = false

  func run() async throws {
    LoggingSystem.bootstrap { label in
      var handler = StreamLogHandler.standardError(label: label)
      handler.logLevel = .info
      return handler
    }
    let logger = Logger(label: "creditgate")
    var configuration = try GatewayConfiguration.load(from: config)
    if let listen { configuration.listen = listen }
    if let data { configuration.dataDirectory = data }
    if let certs { configuration.certsDirectory = certs }
    if let storage { configuration.storage = storage }
    if let metricsListen { configuration.metricsListen = metricsListen }
    if noDemoData { configuration.demoData = false }
    if relaxedAuditForBenchmarks { configuration.relaxedAuditDurability = true }

    let server = try await GatewayServer(configuration: configuration, logger: logger) { host, port in
      // Written unbuffered: scripts wait for this line on a pipe.
      FileHandle.standardOutput.write(Data("listening on \(host):\(port)\n".utf8))
    }
    let group = ServiceGroup(
      services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    try await group.run()
  }
}
