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
      try await Self.publishedLists(gateway.connection(as: "demo-bank"))
      #expect(try await gateway.auditEntries().count == 1)
    }
    let lifecycle = store.lifecycleSoFar
    #expect(lifecycle.ran)
    #expect(lifecycle.stopped)
    #expect(lifecycle.callsOutsideRun == 0)
  }

  @Test("at graceful shutdown the store closes after the last call's entry, and run returns")
  func gracefulShutdown() async throws {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    let configuration = try TestGateway.configuration(in: directory.url)
    let store = TestStore()
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let server = try await GatewayServer(
      configuration: configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
      store: store
    ) { _, port in
      portContinuation.yield(port)
      portContinuation.finish()
    }
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await server.run() }
      _ = try await server.gateway
      var iterator = ports.makeAsyncIterator()
      let port = try #require(await iterator.next())
      let pki = DevelopmentPKI(directory: URL(filePath: configuration.certsDirectory))
      try await Self.publishedLists(
        GatewayConnection(host: "127.0.0.1", port: port, layout: pki.layout, institution: "demo-bank"))
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
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    let store = try SQLiteStore.open(path: directory.databasePath)
    try await TestGateway.withRunning(store: store) { gateway in
      try await Self.publishedLists(gateway.connection(as: "demo-bank"))
    }
    await #expect(throws: StorageError.self) { _ = try await store.subjectCount() }
    // Closed, not lost: the file opens again with the entry in it.
    let reopened = try SQLiteStore.open(path: directory.databasePath)
    #expect(try await reopened.search(AuditFilter()).map(\.method) == ["/creditgate.v1.Oversight/GetPublishedLists"])
  }
}
