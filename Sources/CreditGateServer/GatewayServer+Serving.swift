import CreditGateCore
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import Prometheus
import ServiceLifecycle

extension GatewayServer {
  /// The part of the server that serves calls, the second service of its group: once the store
  /// is ready it checks the audit log (refusing to start on one that no longer matches what was
  /// signed), builds the gateway, loads the demo data into a new database, and serves gRPC
  /// until graceful shutdown.
  struct Serving: Service {
    let configuration: GatewayConfiguration
    let lists: PublishedLists
    let evaluationModels: EvaluationModels
    let calendar: WorkingCalendar
    let repairGrounds: RepairGrounds
    let institutions: [Institution]
    let pseudonymKey: Data
    let signer: NoteSigner
    let storage: StorageService
    let started: Latch<Gateway>
    let clock: @Sendable () -> Date
    let logger: Logger
    let onListening: @Sendable (_ host: String, _ port: Int) -> Void
    let registry = PrometheusCollectorRegistry()

    func run() async throws {
      let gateway: Gateway
      do {
        try await storage.ready()
        gateway = try await start()
      } catch {
        started.set(.failure(error))
        throw error
      }
      started.set(.success(gateway))
      try await serve(gateway)
    }

    /// Everything before the first call that needs the store.
    private func start() async throws -> Gateway {
      let store = storage.store
      // Refuses to start on a log that no longer matches what was signed (AuditLogCheck).
      let auditWriter = try await AuditWriter.open(store: store, signer: signer)
      var logger = logger
      if configuration.relaxedAuditDurability {
        // On every line the gateway logs, the audited calls' among them.
        logger[metadataKey: "audit_durability"] = "RELAXED (benchmark only)"
      }
      let gateway = Gateway(
        lists: lists, evaluationModels: evaluationModels, calendar: calendar, repairGrounds: repairGrounds,
        institutions: institutions,
        revokedSerials: configuration.revokedSerials, store: store, auditWriter: auditWriter,
        pseudonymizer: Pseudonymizer(keyBytes: pseudonymKey), consentMaximumDays: configuration.consentMaximumDays,
        metrics: PrometheusMetricsFactory(registry: registry), auditOrigin: configuration.auditOrigin,
        clock: clock, logger: logger, admissionLimit: configuration.maxCallsInFlight)
      // Suspensions survive restarts: enforced from the first call.
      gateway.suspensions.replace(with: try await store.suspensions())
      if configuration.demoData, try await store.subjectCount() == 0 {
        try await DemoData.load(into: store, lists: lists, institutions: institutions, today: gateway.today)
        logger.notice("loaded the demo data set", metadata: ["subjects": "\(DemoData.subjects.count)"])
      }
      return gateway
    }

    /// Serves gRPC over mutual TLS (and the metrics endpoint, if configured) until graceful
    /// shutdown.
    private func serve(_ gateway: Gateway) async throws {
      let (host, port) = try configuration.listenAddress()
      let sizeLimit = RequestSizeLimit()
      let transport = HTTP2ServerTransport.Posix(
        address: host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port),
        transportSecurity: .tls(GatewayServer.tlsConfiguration(configuration)),
        config: GatewayServer.transportConfiguration(configuration, sizeLimit: sizeLimit))
      let server = GRPCServer(
        // Calls to unknown methods, and calls refused before a handler ran, are audited too
        // (UnknownMethods.swift).
        // A message over the size limit is refused, audited, before either (RequestSizeLimit.swift).
        transport: AuditingTransport(
          wrapping: SizeLimitedTransport(wrapping: transport, gateway: gateway, limit: sizeLimit), gateway: gateway),
        services: [
          CreditQueryService(gateway: gateway), CreditRecordsService(gateway: gateway),
          ConsentsService(gateway: gateway), SubjectRightsService(gateway: gateway),
          OversightService(gateway: gateway), HealthService(gateway: gateway),
        ])
      try await withThrowingDiscardingTaskGroup { group in
        group.addTask {
          try await withGracefulShutdownHandler {
            try await server.serve()
          } onGracefulShutdown: {
            server.beginGracefulShutdown()
          }
        }
        if let metricsListen = configuration.metricsListen {
          let (metricsHost, metricsPort) = try GatewayConfiguration.split(metricsListen, key: "metrics_listen")
          let endpoint = MetricsEndpoint(registry: registry, host: metricsHost, port: metricsPort, logger: gateway.logger)
          let logger = gateway.logger
          group.addTask {
            // Metrics are an aid, not the service: if the port is taken, say so and go on.
            do {
              try await cancelWhenGracefulShutdown {
                try await endpoint.run { port in
                  logger.notice("metrics at http://\(metricsHost):\(port)/metrics")
                }
              }
            } catch {
              logger.warning("metrics endpoint not started", metadata: ["error": "\(error)"])
            }
          }
        }
        let address = try await transport.listeningAddress
        if let ipv4 = address.ipv4 {
          onListening(ipv4.host, ipv4.port)
        } else if let ipv6 = address.ipv6 {
          onListening(ipv6.host, ipv6.port)
        }
      }
    }
  }
}
