public import CreditGateClient
public import Foundation
import X509

/// The development PKI on disk (DESIGN §12): `ca.pem` and `ca-key.pem`, `server.pem` and
/// `server-key.pem`, and `clients/<institution-id>.pem` with `-key.pem` for each institution.
/// Private keys are written readable by their owner only.
public struct DevelopmentPKI: Sendable {
  /// Where each file is: the convention the clients read the folder by.
  public let layout: CertificateLayout

  /// The PKI in `directory` (created by `initialize`).
  public init(directory: URL) {
    self.layout = CertificateLayout(directory: directory)
  }

  /// The PKI's folder.
  public var directory: URL { layout.directory }

  /// Whether the folder already holds a CA.
  public var exists: Bool { FileManager.default.fileExists(atPath: layout.caCertificate.path) }

  /// Creates the CA, the server certificate and one client certificate per institution.
  /// Refuses to overwrite an existing CA.
  public func initialize(institutions: [String]) throws {
    guard !exists else { throw PKIError("\(layout.caCertificate.path) exists already; not overwriting") }
    try SecretFile.prepareDirectory(directory.appending(path: "clients").path)
    let authority = try CertificateAuthority.create(commonName: "CreditGate development CA")
    try write(try authority.certificate.serializeAsPEM().pemString, to: layout.caCertificate)
    try write(try authority.privateKey.serializeAsPEM().pemString, to: layout.caKey, secret: true)
    let server = try authority.issueServer()
    try write(try server.certificatePEM, to: layout.serverCertificate)
    try write(try server.privateKeyPEM, to: layout.serverKey, secret: true)
    for institution in institutions {
      try issue(institution, by: authority)
    }
  }

  /// Issues (or re-issues) a client certificate for one institution with the stored CA.
  public func issue(_ institutionID: String) throws {
    try issue(institutionID, by: loadAuthority())
  }

  /// Reads the stored CA (`ca.pem` and `ca-key.pem`); fails if the folder holds none.
  public func loadAuthority() throws -> CertificateAuthority {
    guard exists else {
      throw PKIError("no CA in \(directory.path): run `creditgate certs init` first")
    }
    let certificate = try Certificate(pemEncoded: String(contentsOf: layout.caCertificate, encoding: .utf8))
    let key = try Certificate.PrivateKey(pemEncoded: String(contentsOf: layout.caKey, encoding: .utf8))
    return CertificateAuthority(certificate: certificate, privateKey: key)
  }

  private func issue(_ institutionID: String, by authority: CertificateAuthority) throws {
    guard Self.isValidInstitutionID(institutionID) else {
      throw PKIError("institution id must be letters, digits, '-', '_' or '.'")
    }
    try FileManager.default.createDirectory(
      at: directory.appending(path: "clients"), withIntermediateDirectories: true)
    let client = try authority.issueClient(institutionID: institutionID)
    try write(try client.certificatePEM, to: layout.clientCertificate(institutionID))
    try write(try client.privateKeyPEM, to: layout.clientKey(institutionID), secret: true)
  }

  static func isValidInstitutionID(_ id: String) -> Bool {
    !id.isEmpty && id.count <= 64
      && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
  }

  private func write(_ text: String, to url: URL, secret: Bool = false) throws {
    if secret {
      // Owner-only from the first byte (O_CREAT | O_EXCL, mode 0600), not chmodded afterwards.
      return try SecretFile.write(Data(text.utf8), to: url.path)
    }
    let created = FileManager.default.createFile(
      atPath: url.path, contents: Data(text.utf8),
      attributes: [.posixPermissions: secret ? 0o600 : 0o644])
    guard created else { throw PKIError("cannot write \(url.path)") }
  }
}

/// A problem with the development PKI on disk, in a sentence for the operator.
public struct PKIError: Error, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}
