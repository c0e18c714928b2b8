import Crypto
public import Foundation
import SwiftASN1
public import X509

/// A certificate authority that issues the gateway's server certificate and the institutions'
/// client certificates. Used for the development PKI (`creditgate certs`) and by tests, which
/// mint certificates in process.
public struct CertificateAuthority: Sendable {
  public let certificate: Certificate
  public let privateKey: Certificate.PrivateKey

  /// An authority from an existing certificate and its private key, such as a stored CA.
  public init(certificate: Certificate, privateKey: Certificate.PrivateKey) {
    self.certificate = certificate
    self.privateKey = privateKey
  }

  /// A new self-signed root, valid for ten years.
  public static func create(commonName: String, now: Date = Date()) throws -> CertificateAuthority {
    let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
    let name = try DistinguishedName {
      OrganizationName("CreditGate development PKI")
      CommonName(commonName)
    }
    let certificate = try Certificate(
      version: .v3,
      serialNumber: Certificate.SerialNumber(),
      publicKey: key.publicKey,
      notValidBefore: now.addingTimeInterval(-300),
      notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
      issuer: name,
      subject: name,
      signatureAlgorithm: .ecdsaWithSHA256,
      extensions: try Certificate.Extensions {
        Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
        Critical(KeyUsage(keyCertSign: true, cRLSign: true))
        SubjectKeyIdentifier(hash: key.publicKey)
      },
      issuerPrivateKey: key)
    return CertificateAuthority(certificate: certificate, privateKey: key)
  }

  /// A key pair with a certificate issued by this authority.
  public struct Issued: Sendable {
    public let certificate: Certificate
    public let privateKey: Certificate.PrivateKey

    public var certificatePEM: String { get throws { try certificate.serializeAsPEM().pemString } }
    public var privateKeyPEM: String { get throws { try privateKey.serializeAsPEM().pemString } }
  }

  /// A client certificate whose common name is the institution's id.
  public func issueClient(
    institutionID: String, notValidBefore: Date = Date().addingTimeInterval(-300),
    notValidAfter: Date = Date().addingTimeInterval(2 * 365 * 86_400)
  ) throws -> Issued {
    try issue(
      commonName: institutionID, usage: .clientAuth, names: [],
      notValidBefore: notValidBefore, notValidAfter: notValidAfter)
  }

  /// A server certificate for the given DNS names and IP addresses.
  public func issueServer(
    dnsNames: [String] = ["localhost"], ipAddresses: [[UInt8]] = [[127, 0, 0, 1]]
  ) throws -> Issued {
    let names =
      dnsNames.map { GeneralName.dnsName($0) }
      + ipAddresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: $0[...])) }
    return try issue(
      commonName: dnsNames.first ?? "creditgate", usage: .serverAuth, names: names,
      notValidBefore: Date().addingTimeInterval(-300),
      notValidAfter: Date().addingTimeInterval(2 * 365 * 86_400))
  }

  private func issue(
    commonName: String, usage: ExtendedKeyUsage.Usage, names: [GeneralName],
    notValidBefore: Date, notValidAfter: Date
  ) throws -> Issued {
    let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
    let extensions = try Certificate.Extensions {
      Critical(BasicConstraints.notCertificateAuthority)
      Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
      try ExtendedKeyUsage([usage])
      SubjectKeyIdentifier(hash: key.publicKey)
      AuthorityKeyIdentifier(
        keyIdentifier: try certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
      if !names.isEmpty {
        SubjectAlternativeNames(names)
      }
    }
    let leaf = try Certificate(
      version: .v3,
      serialNumber: Certificate.SerialNumber(),
      publicKey: key.publicKey,
      notValidBefore: notValidBefore,
      notValidAfter: notValidAfter,
      issuer: certificate.subject,
      subject: try DistinguishedName { CommonName(commonName) },
      signatureAlgorithm: .ecdsaWithSHA256,
      extensions: extensions,
      issuerPrivateKey: privateKey)
    return Issued(certificate: leaf, privateKey: key)
  }
}
