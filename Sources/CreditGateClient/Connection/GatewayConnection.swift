import Foundation
public import GRPCCore
public import GRPCNIOTransportHTTP2Posix

/// How a client reaches the gateway: the address and the files of the institution's identity.
/// Used by the command-line client, the test kit and the benchmark.
public struct GatewayConnection: Sendable {
  /// The gateway's host name or IP address.
  public var host: String
  /// The gateway's port.
  public var port: Int
  /// The institution's client certificate (a PEM file).
  public var certificate: String
  /// The private key of `certificate` (a PEM file).
  public var privateKey: String
  /// The CA that issued the gateway's server certificate (a PEM file).
  public var serverCA: String

  /// A connection to `host:port` presenting `certificate`, trusting only `serverCA`.
  public init(host: String, port: Int, certificate: String, privateKey: String, serverCA: String) {
    self.host = host
    self.port = port
    self.certificate = certificate
    self.privateKey = privateKey
    self.serverCA = serverCA
  }

  /// The files of the development PKI for `institution`, at `server` (`HOST:PORT`).
  public init(server: String, certsDirectory: String, institution: String) throws {
    guard let colon = server.lastIndex(of: ":"), let port = Int(server[server.index(after: colon)...])
    else { throw ConnectionError("--server must be HOST:PORT, got \"\(server)\"") }
    let layout = CertificateLayout(directory: URL(filePath: certsDirectory))
    let certificate = layout.clientCertificate(institution).path
    guard FileManager.default.fileExists(atPath: certificate) else {
      throw ConnectionError(
        "no client certificate for \"\(institution)\" at \(certificate): run `creditgate certs issue \(institution)`")
    }
    self.init(host: String(server[..<colon]), port: port, layout: layout, institution: institution)
  }

  /// The files `layout` keeps for `institution`, at `host:port`; nothing is read until a call.
  public init(host: String, port: Int, layout: CertificateLayout, institution: String) {
    self.init(
      host: host, port: port, certificate: layout.clientCertificate(institution).path,
      privateKey: layout.clientKey(institution).path, serverCA: layout.caCertificate.path)
  }

  /// A mutual-TLS HTTP/2 transport to the gateway, for callers that manage the client
  /// themselves (many calls on one connection).
  public func makeTransport() throws -> HTTP2ClientTransport.Posix {
    // An IP literal is not a valid TLS server name (SNI): name it as an address, not a host.
    let target: any ResolvableTarget
    if host.contains(":") {
      target = .ipv6(address: host, port: port)
    } else if host.split(separator: ".").count == 4, host.allSatisfy({ $0.isNumber || $0 == "." }) {
      target = .ipv4(address: host, port: port)
    } else {
      target = .dns(host: host, port: port)
    }
    return try HTTP2ClientTransport.Posix(
      target: target,
      transportSecurity: .mTLS(
        certificateChain: [.file(path: certificate, format: .pem)],
        privateKey: .file(path: privateKey, format: .pem)
      ) { tls in
        tls.trustRoots = .certificates([.file(path: serverCA, format: .pem)])
      })
  }

  /// Runs `body` with a connected client; the connection closes when it returns.
  public func withClient<Result: Sendable>(
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    try await withGRPCClient(transport: try makeTransport(), handleClient: body)
  }
}
