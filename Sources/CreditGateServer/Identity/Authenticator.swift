import Crypto
public import CreditGateCore
public import Foundation
public import GRPCCore
import GRPCNIOTransportHTTP2Posix
import SwiftASN1
public import X509

/// Turns the TLS peer certificate of a call into a `Caller`. The TLS handshake has already
/// checked the chain against the client CA (and the validity period); this adds what the
/// handshake cannot know: the institution the common name maps to, revocation, and expiry
/// once more against the gateway's clock.
public struct Authenticator: Sendable {
  private let institutions: [String: Institution]
  private let revokedSerials: Set<String>

  /// Creates an authenticator for the configured `institutions` that refuses certificates whose
  /// serial number is in `revokedSerials` (hex, any case; separators and leading zeros ignored).
  public init(institutions: [Institution], revokedSerials: [String]) {
    self.institutions = Dictionary(uniqueKeysWithValues: institutions.map { ($0.id, $0) })
    self.revokedSerials = Set(revokedSerials.map(Self.normalizeSerial))
  }

  /// The configured institution with this id.
  public func institution(_ id: String) -> Institution? { institutions[id] }

  /// The ids of every configured institution.
  public var institutionIDs: Set<String> { Set(institutions.keys) }

  /// What the audit log records about a caller that could not be authenticated.
  public struct Claim: Sendable {
    public var commonName: String
    public var fingerprint: String
  }

  /// The caller, or the reason it is refused together with what it claimed to be.
  public func authenticate(
    _ context: ServerContext, now: Date
  ) -> Result<Caller, AuthenticationFailure> {
    guard let transport = context.transportSpecific as? HTTP2ServerTransport.Posix.Context else {
      return .failure(.init(claim: nil, error: GatewayError(.unauthenticated, "a client certificate is required")))
    }
    guard let certificate = transport.peerCertificate else {
      // The handshake already required a certificate from the gateway's CA, so none here is the
      // transport's fault, not the caller's: grpc-swift-nio-transport reads it per call from the
      // connection's TLS handler and drops any error (`catch {}` in HTTP2ServerTransport+Posix),
      // which happens when the connection is already closing.
      return .failure(.init(claim: nil, error: Self.certificateUnreadable))
    }
    return authenticate(certificate, now: now)
  }

  /// The caller a certificate stands for at `now`: its common name must be a configured
  /// institution, its serial number not revoked, and `now` within its validity period.
  public func authenticate(_ certificate: Certificate, now: Date) -> Result<Caller, AuthenticationFailure> {
    let fingerprint = Self.fingerprint(certificate)
    let commonName =
      certificate.subject.lazy.flatMap { $0 }.first { $0.type == .RDNAttributeType.commonName }
      .flatMap { String($0.value) } ?? ""
    let claim = Claim(commonName: commonName, fingerprint: fingerprint)
    func refuse(_ reason: String) -> Result<Caller, AuthenticationFailure> {
      .failure(.init(claim: claim, error: GatewayError(.unauthenticated, reason)))
    }
    guard let institution = institutions[commonName] else {
      return refuse("the certificate's common name is not a configured institution")
    }
    if revokedSerials.contains(Self.normalizeSerial(certificate.serialNumber.bytes.hex)) {
      return refuse("the certificate has been revoked")
    }
    guard certificate.notValidBefore <= now, now <= certificate.notValidAfter else {
      return refuse("the certificate is not valid at this time")
    }
    return .success(Caller(institution: institution, certificateFingerprint: fingerprint))
  }

  /// SHA-256 of the certificate's DER encoding, lowercase hex (empty if it cannot be encoded).
  public static func fingerprint(_ certificate: Certificate) -> String {
    var serializer = DER.Serializer()
    guard (try? serializer.serialize(certificate)) != nil else { return "" }
    return SHA256.hash(data: serializer.serializedBytes).hex
  }

  /// The refusal when the transport could not hand over the handshake's certificate.
  public static let certificateUnreadable = GatewayError(
    .unavailable,
    "the transport could not read the connection's client certificate (the connection is closing); nothing was disclosed, try again")

  /// Lowercase hex without separators or leading zeros.
  static func normalizeSerial(_ serial: String) -> String {
    let hex = serial.lowercased().filter(\.isHexDigit)
    let trimmed = hex.drop { $0 == "0" }
    return trimmed.isEmpty ? "0" : String(trimmed)
  }
}

/// Why a caller was refused, with what its certificate claimed for the audit log (nil when
/// there was no certificate to read).
public struct AuthenticationFailure: Error, Sendable {
  public var claim: Authenticator.Claim?
  public var error: GatewayError
}
