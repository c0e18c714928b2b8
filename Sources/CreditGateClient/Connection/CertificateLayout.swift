public import Foundation

/// Where the files of the development PKI live in its folder (DESIGN §12): `ca.pem` and
/// `ca-key.pem`, `server.pem` and `server-key.pem`, and `clients/<institution-id>.pem` with
/// `-key.pem` for each institution. The one statement of that convention: `creditgate certs`
/// writes by it (`DevelopmentPKI`) and every client finds its identity by it.
public struct CertificateLayout: Sendable {
  /// The PKI's folder (`certs/` by default).
  public let directory: URL

  /// A layout rooted at `directory`.
  public init(directory: URL) {
    self.directory = directory
  }

  /// The development CA's certificate: the trust root of the server and of every client.
  public var caCertificate: URL { directory.appending(path: "ca.pem") }
  /// The development CA's private key.
  public var caKey: URL { directory.appending(path: "ca-key.pem") }
  /// The gateway's server certificate.
  public var serverCertificate: URL { directory.appending(path: "server.pem") }
  /// The gateway's server key.
  public var serverKey: URL { directory.appending(path: "server-key.pem") }

  /// The client certificate of one institution.
  public func clientCertificate(_ institutionID: String) -> URL {
    directory.appending(path: "clients/\(institutionID).pem")
  }

  /// The client key of one institution.
  public func clientKey(_ institutionID: String) -> URL {
    directory.appending(path: "clients/\(institutionID)-key.pem")
  }
}
