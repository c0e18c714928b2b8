import CreditGateClient
import Foundation
import Testing

/// The `certs/` layout (DESIGN §12) and the connection the client flags describe.
@Suite("Gateway connection")
struct GatewayConnectionTests {
  @Test("the layout names the files of DESIGN §12")
  func layout() {
    let layout = CertificateLayout(directory: URL(filePath: "/srv/certs"))
    #expect(layout.caCertificate.path == "/srv/certs/ca.pem")
    #expect(layout.caKey.path == "/srv/certs/ca-key.pem")
    #expect(layout.serverCertificate.path == "/srv/certs/server.pem")
    #expect(layout.serverKey.path == "/srv/certs/server-key.pem")
    #expect(layout.clientCertificate("demo-bank").path == "/srv/certs/clients/demo-bank.pem")
    #expect(layout.clientKey("demo-bank").path == "/srv/certs/clients/demo-bank-key.pem")
  }

  @Test("the flags name the institution's files in the layout")
  func fromFlags() throws {
    let directory = FileManager.default.temporaryDirectory.appending(path: "creditgate-client-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let layout = CertificateLayout(directory: directory)
    try FileManager.default.createDirectory(
      at: layout.clientCertificate("demo-bank").deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data().write(to: layout.clientCertificate("demo-bank"))

    let connection = try GatewayConnection(server: "127.0.0.1:8443", certsDirectory: directory.path, institution: "demo-bank")
    #expect(connection.host == "127.0.0.1")
    #expect(connection.port == 8443)
    #expect(connection.certificate == layout.clientCertificate("demo-bank").path)
    #expect(connection.privateKey == layout.clientKey("demo-bank").path)
    #expect(connection.serverCA == layout.caCertificate.path)
  }

  @Test("an address without a port is refused, saying what is expected")
  func addressWithoutPort() {
    let error = #expect(throws: ConnectionError.self) {
      try GatewayConnection(server: "localhost", certsDirectory: "/nonexistent", institution: "demo-bank")
    }
    #expect(error?.description == #"--server must be HOST:PORT, got "localhost""#)
  }

  @Test("an institution without a certificate is refused, saying how to issue one")
  func missingCertificate() {
    let error = #expect(throws: ConnectionError.self) {
      try GatewayConnection(server: "127.0.0.1:8443", certsDirectory: "/nonexistent", institution: "demo-bank")
    }
    #expect(
      error?.description
        == "no client certificate for \"demo-bank\" at /nonexistent/clients/demo-bank.pem: run `creditgate certs issue demo-bank`")
  }
}
