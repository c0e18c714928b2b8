import CreditGateClient
import CreditGateCore
import CreditGateProtos
import CreditGateSQLite
import CreditGateServer
import CreditGateTestKit
import Foundation
import GRPCCore
import Logging
import Testing

/// Storage is a service of the gateway's service group (DESIGN §1): it runs before anything
/// queries it and stops after the last call.
@Suite("Storage lifecycle", .timeLimit(.minutes(1)))
struct StorageLifecycleTests {
  /// An audited call: its entry goes through the store.
  static func publishedLists(_ connection: GatewayConnection) async throws {
    _ = try await connection.withClient { client in
      try await Creditgate_V1_Oversight.Client(wrapping: client).getPublishedLists(.init())
    }
  }

  @Test("the gateway runs its store before the first query and stops it after the last")
  func runsBeforeQueries() async throws {
    let store = TestStore()
    try await TestGateway.withRunning(store: store) { gateway in
      #expect(store.lifecycleSoFar.ran)
      try await Self.publishedLists(gateway.connection(as: "demo-bank"))
      #expect(try await gateway.auditEntries().count == 1)
    }
    let lifecycle = store.lifecycleSoFar
    #expect(lifecycle.ran)
    #expect(lifecycle.stopped)
    #expect(lifecycle.callsOutsideRun == 0)
  }

  @Test("at graceful shutdown the calls drain, then the store closes, and run returns")
  func gracefulShutdown() async throws {
    let directory = FileManager.default.temporaryDirectory.appending(path: "creditgate-lifecycle-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let configuration = try TestGateway.configuration(in: directory)
    let store = TestStore()
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let server = try await GatewayServer(
      configuration: configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
      store: store
    ) { _, port in
      portContinuation.yield(port)
      portContinuation.finish()
    }
    #expect(!store.lifecycleSoFar.ran, "made, not run: nothing has touched the store")
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await server.run() }
      _ = try await server.gateway
      var iterator = ports.makeAsyncIterator()
      let port = try #require(await iterator.next())
      let pki = DevelopmentPKI(directory: URL(filePath: configuration.certsDirectory))
      try await Self.publishedLists(
        GatewayConnection(
          host: "127.0.0.1", port: port, certificate: pki.layout.clientCertificate("demo-bank").path,
          privateKey: pki.layout.clientKey("demo-bank").path, serverCA: pki.layout.caCertificate.path))
      await server.triggerGracefulShutdown()
      // `run` returns without an error once the store has stopped.
      try await group.waitForAll()
    }
    let lifecycle = store.lifecycleSoFar
    #expect(lifecycle.stopped)
    #expect(lifecycle.callsOutsideRun == 0)
    #expect(try await store.size(origin: configuration.auditOrigin) == 1)
  }

  @Test("a SQLite store is closed when the gateway stops")
  func sqliteClosed() async throws {
    let directory = FileManager.default.temporaryDirectory.appending(path: "creditgate-lifecycle-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appending(path: "creditgate.sqlite").path
    let store = try SQLiteStore.open(path: path)
    try await TestGateway.withRunning(store: store) { gateway in
      try await Self.publishedLists(gateway.connection(as: "demo-bank"))
    }
    await #expect(throws: StorageError.self) { _ = try await store.subjectCount() }
    // Closed, not lost: the file opens again with the entry in it.
    let reopened = try SQLiteStore.open(path: path)
    #expect(try await reopened.search(AuditFilter()).map(\.method) == ["/creditgate.v1.Oversight/GetPublishedLists"])
  }
}
