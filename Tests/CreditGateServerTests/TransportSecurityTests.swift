import CreditGateClient
import CreditGateCore
import CreditGateProtos
import CreditGateServer
import CreditGateTestKit
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import GRPCProtobuf
import Testing
import X509

/// Who may connect: a certificate from the gateway's client CA whose common name is a
/// configured institution, not revoked, not expired. Nothing else completes a call.
@Suite("Mutual TLS identity")
struct TransportSecurityTests {
  static let request = Creditgate_V1_GetProfileRequest.with {
    $0.subjectCode = "330102198506150040"
    $0.purpose = "civil-servant-recruitment"
  }

  static func getProfile(_ connection: GatewayConnection) async throws -> Creditgate_V1_GetProfileResponse {
    try await connection.withClient { client in
      try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
        request, metadata: ["x-operator-id": "o1"])
    }
  }

  @Test("a client without a certificate never completes a call")
  func noCertificate() async throws {
    try await TestGateway.withRunning { gateway in
      let error = try await #require(throws: RPCError.self) {
        try await gateway.withAnonymousClient { client in
          try await Creditgate_V1_CreditQuery.Client(wrapping: client).getProfile(
            Self.request, metadata: ["x-operator-id": "o1"])
        }
      }
      #expect(error.code == .unavailable)
      #expect(try await gateway.auditEntries().isEmpty)
    }
  }

  @Test("a certificate from another CA, even with a configured name, never completes a call")
  func foreignCA() async throws {
    try await TestGateway.withRunning { gateway in
      let stranger = try CertificateAuthority.create(commonName: "Some other CA")
      let issued = try stranger.issueClient(institutionID: "demo-hr-bureau")
      let connection = try gateway.connection(presenting: issued, name: "foreign")
      let error = try await #require(throws: RPCError.self) { try await Self.getProfile(connection) }
      #expect(error.code == .unavailable)
      #expect(try await gateway.auditEntries().isEmpty)
    }
  }

  @Test("an expired certificate never completes a call")
  func expired() async throws {
    try await TestGateway.withRunning { gateway in
      let issued = try gateway.pki.loadAuthority().issueClient(
        institutionID: "demo-hr-bureau", notValidBefore: Date(timeIntervalSinceNow: -86_400 * 30),
        notValidAfter: Date(timeIntervalSinceNow: -86_400))
      let connection = try gateway.connection(presenting: issued, name: "expired")
      let error = try await #require(throws: RPCError.self) { try await Self.getProfile(connection) }
      #expect(error.code == .unavailable)
    }
  }

  @Test("a certificate naming no configured institution is refused and audited")
  func unknownInstitution() async throws {
    try await TestGateway.withRunning { gateway in
      let issued = try gateway.pki.loadAuthority().issueClient(institutionID: "shadow-broker")
      let connection = try gateway.connection(presenting: issued, name: "shadow")
      let error = try await #require(throws: RPCError.self) { try await Self.getProfile(connection) }
      #expect(error.code == .unauthenticated)
      let entry = try #require(try await gateway.auditEntries().last)
      #expect(entry.institutionID == "shadow-broker")
      #expect(entry.outcome == .denied)
      #expect(entry.certificateFingerprint == Authenticator.fingerprint(issued.certificate))
    }
  }

  @Test("a revoked certificate is refused and audited")
  func revoked() async throws {
    // Create the PKI before the gateway starts, so that its configuration can list the serial.
    var issued: CertificateAuthority.Issued?
    try await TestGateway.withRunning(configure: { configuration in
      let pki = DevelopmentPKI(directory: URL(filePath: configuration.certsDirectory))
      try pki.initialize(institutions: ["demo-hr-bureau"])
      let certificate = try pki.loadAuthority().issueClient(institutionID: "demo-hr-bureau")
      configuration.revokedSerials = [
        certificate.certificate.serialNumber.bytes.map { String(format: "%02X", $0) }.joined(separator: ":")
      ]
      issued = certificate
    }) { gateway in
      let connection = try gateway.connection(presenting: try #require(issued), name: "revoked")
      let error = try await #require(throws: RPCError.self) { try await Self.getProfile(connection) }
      #expect(error.code == .unauthenticated)
      #expect(error.message.contains("revoked"))
      #expect(try await gateway.auditEntries().last?.outcome == .denied)
      // The institution's own, unrevoked certificate still works.
      let answered = try await Self.getProfile(gateway.connection(as: "demo-hr-bureau"))
      #expect(answered.queryID == 2)
    }
  }

  @Test("the authenticator checks expiry against its own clock")
  func authenticatorClock() throws {
    let authority = try CertificateAuthority.create(commonName: "test CA")
    let now = Date()
    let issued = try authority.issueClient(
      institutionID: "demo-bank", notValidBefore: now.addingTimeInterval(-60), notValidAfter: now.addingTimeInterval(60))
    let authenticator = Authenticator(
      institutions: [Institution(id: "demo-bank", name: "bank", roles: [.query])], revokedSerials: [])
    #expect((try? authenticator.authenticate(issued.certificate, now: now).get()) != nil)
    #expect((try? authenticator.authenticate(issued.certificate, now: now.addingTimeInterval(120)).get()) == nil)
  }
}

/// Issue 8: the trust roots, unknown methods, and what a closing transport must not be blamed on.
@Suite("Mutual TLS identity: trust roots and unknown methods")
struct TransportTrustTests {
  @Test("the server trusts exactly the configured client CA, never the system roots")
  func trustRoots() throws {
    var configuration = GatewayConfiguration()
    configuration.certsDirectory = "/nonexistent/certs"
    let tls = GatewayServer.tlsConfiguration(configuration)
    #expect(tls.trustRoots == .certificates([.file(path: "/nonexistent/certs/ca.pem", format: .pem)]))
    #expect(tls.trustRoots != .systemDefault)
    configuration.clientCA = "/etc/creditgate/clients-ca.pem"
    #expect(GatewayServer.tlsConfiguration(configuration).trustRoots
      == .certificates([.file(path: "/etc/creditgate/clients-ca.pem", format: .pem)]))
    #expect(GatewayServer.tlsConfiguration(configuration).clientCertificateVerification == .noHostnameVerification)
  }

  @Test("the transport bounds streams per connection and tolerates flow-control pings")
  func transportLimits() {
    var configuration = GatewayConfiguration()
    configuration.maxConcurrentStreams = 100
    let config = GatewayServer.transportConfiguration(configuration)
    #expect(config.http2.maxConcurrentStreams == 100)
    #expect(config.connection.keepalive.clientBehavior.allowWithoutCalls)
    #expect(config.connection.keepalive.clientBehavior.minPingIntervalWithoutCalls == .zero)
  }

  @Test("a missing peer certificate on the mTLS transport is the transport's fault: UNAVAILABLE")
  func missingPeerCertificate() {
    let authenticator = Authenticator(institutions: [], revokedSerials: [])
    var context = ServerContext(
      descriptor: MethodDescriptor(fullyQualifiedService: "creditgate.v1.CreditQuery", method: "GetProfile"),
      remotePeer: "ipv4:127.0.0.1:1", localPeer: "ipv4:127.0.0.1:2",
      cancellation: ServerContext.RPCCancellationHandle())
    context.transportSpecific = HTTP2ServerTransport.Posix.Context()
    guard case .failure(let failure) = authenticator.authenticate(context, now: Date()) else {
      Issue.record("authenticated a call without a certificate")
      return
    }
    #expect(failure.error.code == .unavailable)
    #expect(!failure.error.message.contains("a client certificate is required"))
  }

  @Test("a call to an unknown method is answered UNIMPLEMENTED and audited with its path")
  func unknownMethod() async throws {
    try await TestGateway.withRunning { gateway in
      let path = "creditgate.v1.CreditQuery/NoSuchMethod"
      let error = try await #require(throws: RPCError.self) {
        try await gateway.connection(as: "demo-hr-bureau").withClient { client in
          try await client.unary(
            request: ClientRequest(message: Creditgate_V1_GetProfileRequest(), metadata: ["x-operator-id": "op-7"]),
            descriptor: MethodDescriptor(fullyQualifiedService: "creditgate.v1.CreditQuery", method: "NoSuchMethod"),
            serializer: ProtobufSerializer<Creditgate_V1_GetProfileRequest>(),
            deserializer: ProtobufDeserializer<Creditgate_V1_GetProfileResponse>(),
            options: .defaults
          ) { try $0.message }
        }
      }
      #expect(error.code == .unimplemented)
      let queryID = try #require(error.metadata[stringValues: "x-query-id"].first(where: { _ in true }))
      let entry = try #require(try await gateway.auditEntries().last)
      #expect(String(entry.sequence) == queryID)
      #expect(entry.method == "/" + path)
      #expect(entry.statusCode == RPCError.Code.unimplemented.rawValue)
      #expect(entry.institutionID == "demo-hr-bureau")
      #expect(entry.operatorID == "op-7")
      #expect(entry.outcome == .failed || entry.outcome == .invalid)
    }
  }
}
