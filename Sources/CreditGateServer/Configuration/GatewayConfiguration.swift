public import CreditGateCore
import Foundation

/// The gateway's configuration: `config/gateway.json`, with every key optional and defaulted,
/// then overridden by command-line flags. Relative paths are relative to the working directory.
public struct GatewayConfiguration: Sendable {
  /// `HOST:PORT` to listen on; port 0 picks a free port.
  public var listen = "127.0.0.1:8443"
  /// `HOST:PORT` of the Prometheus metrics endpoint (plain HTTP); nil: no endpoint.
  public var metricsListen: String?
  /// `sqlite:PATH`, or `memory:` for a throw-away store. Default: `sqlite:<data_dir>/creditgate.sqlite`.
  public var storage: String?
  /// Where the database and the keys created on first start live.
  public var dataDirectory = "data"
  /// The development PKI: created on first start when it holds no CA.
  public var certsDirectory = "certs"
  /// The folder with `catalogue.json`, `purposes.json` and `measures.json`.
  public var listsDirectory = "config"
  /// TLS files; default to the development PKI's files in `certs_dir`.
  public var serverCertificate: String?
  public var serverKey: String?
  public var clientCA: String?
  /// Serial numbers (hex, any case, colons allowed) of revoked client certificates.
  public var revokedSerials: [String] = []
  /// The audit log's origin line: names this gateway instance's log.
  public var auditOrigin = "creditgate.local/audit"
  /// Relaxes the audit log's flush (SQLite `synchronous = NORMAL`): answers may leave before
  /// their entries reach the disk. For the benchmark's durable-vs-relaxed comparison only; off by
  /// default, announced at start and on every audited call's log line.
  public var relaxedAuditDurability = false
  /// The secret key of the audit pseudonyms; created on first start. Default: `<data_dir>/pseudonym.key`.
  public var pseudonymKeyFile: String?
  /// The Ed25519 key that signs the audit log's checkpoints; created on first start. Default:
  /// `<data_dir>/audit-signing.key`.
  public var signingKeyFile: String?
  /// The longest a consent may run, in days (no lifetime consent).
  public var consentMaximumDays = ConsentRules.defaultMaximumDays
  /// Whether a new database receives the demo data set.
  public var demoData = true
  public var institutions: [InstitutionConfiguration] = []
  /// `max_calls_in_flight`: calls the gateway works on at once, across every connection; past
  /// it a call is refused at once with `RESOURCE_EXHAUSTED` (and audited). Default 512.
  public var maxCallsInFlight = AdmissionLimiter.defaultLimit
  /// `max_concurrent_streams`: HTTP/2 streams a client may open on one connection (clients
  /// queue the rest themselves, at no cost to the gateway). Default 64: a few connections fill
  /// the gateway's two cores; past `max_calls_in_flight / 64` connections the admission limit
  /// refuses. Measured (issue 8): at 64 per connection the answered rate at 3,000 in flight over
  /// 4 connections stays at the peak; at 256 the surplus streams are refused, each refusal is
  /// audited, and closed-loop clients retrying at once crowd out the answers.
  public var maxConcurrentStreams = 64

  /// The defaults: what a `gateway.json` with no keys gives.
  public init() {}

  public var storageURL: String { storage ?? "sqlite:\(dataDirectory)/creditgate.sqlite" }
  public var serverCertificatePath: String { serverCertificate ?? "\(certsDirectory)/server.pem" }
  public var serverKeyPath: String { serverKey ?? "\(certsDirectory)/server-key.pem" }
  public var clientCAPath: String { clientCA ?? "\(certsDirectory)/ca.pem" }
  public var pseudonymKeyPath: String { pseudonymKeyFile ?? "\(dataDirectory)/pseudonym.key" }
  public var signingKeyPath: String { signingKeyFile ?? "\(dataDirectory)/audit-signing.key" }

  /// The listening host and port.
  public func listenAddress() throws(ConfigurationError) -> (host: String, port: Int) {
    try Self.split(listen, key: "listen")
  }

  static func split(_ address: String, key: String) throws(ConfigurationError) -> (host: String, port: Int) {
    guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
      (0...65535).contains(port), colon != address.startIndex
    else { throw ConfigurationError("\(key): \"\(address)\" is not HOST:PORT") }
    return (String(address[..<colon]), port)
  }

  /// Checks the settings that need no other file.
  public func validate() throws(ConfigurationError) {
    _ = try listenAddress()
    if let metricsListen { _ = try Self.split(metricsListen, key: "metrics_listen") }
    guard (1...3650).contains(consentMaximumDays) else {
      throw ConfigurationError("consent.max_days: must be between 1 and 3650, got \(consentMaximumDays)")
    }
    guard (1...100_000).contains(maxCallsInFlight) else {
      throw ConfigurationError("max_calls_in_flight: must be between 1 and 100000, got \(maxCallsInFlight)")
    }
    guard (1...10_000).contains(maxConcurrentStreams) else {
      throw ConfigurationError("max_concurrent_streams: must be between 1 and 10000, got \(maxConcurrentStreams)")
    }
    for (index, serial) in revokedSerials.enumerated() {
      let digits = serial.filter { $0 != ":" }
      guard !digits.isEmpty, digits.allSatisfy(\.isHexDigit), !serial.hasPrefix(":"), !serial.hasSuffix(":"),
        !serial.contains("::")
      else {
        throw ConfigurationError(
          "revoked_serials[\(index)]: \"\(serial)\" is not a serial number (hex digits, optionally in colon-separated pairs)")
      }
    }
  }

  /// Resolves the institutions against the published lists, checking every reference.
  public func resolveInstitutions(lists: PublishedLists) throws(ConfigurationError) -> [Institution] {
    var seen: Set<String> = []
    return try institutions.enumerated().map { (index, entry) throws(ConfigurationError) in
      let at = "institutions[\(index)] (\(entry.id))"
      guard seen.insert(entry.id).inserted else {
        throw ConfigurationError("\(at): id appears twice")
      }
      guard !entry.roles.isEmpty else { throw ConfigurationError("\(at): roles is empty") }
      var purposes: Set<String> = []
      for token in entry.purposes {
        switch token {
        case "@statutory": purposes.formUnion(lists.purposes.filter { $0.kind == .statutory }.map(\.code))
        case "@consent": purposes.formUnion(lists.purposes.filter { $0.kind == .consent }.map(\.code))
        default:
          guard lists.purpose(token) != nil else {
            throw ConfigurationError("\(at): purpose \"\(token)\" is not on the application list")
          }
          purposes.insert(token)
        }
      }
      var categories: Set<String> = []
      for token in entry.categories {
        if token == "*" {
          categories.formUnion(lists.categories.map(\.code))
        } else {
          guard lists.category(token) != nil else {
            throw ConfigurationError("\(at): category \"\(token)\" is not in the catalogue")
          }
          categories.insert(token)
        }
      }
      let kind = entry.queryKind ?? .statutory
      for code in purposes where lists.purpose(code)?.kind != kind {
        throw ConfigurationError(
          "\(at): purpose \"\(code)\" is not \(kind.rawValue), but the institution's queries are")
      }
      guard (entry.quotaPerMinute ?? 1) > 0 else {
        throw ConfigurationError("\(at): quota_per_minute must be positive")
      }
      return Institution(
        id: entry.id, name: entry.name, roles: Set(entry.roles), purposes: purposes,
        categories: categories, registers: Set(entry.registers ?? []), queryKind: kind,
        quotaPerMinute: entry.quotaPerMinute ?? 600)
    }
  }
}

/// One institution as written in `gateway.json`.
public struct InstitutionConfiguration: Sendable, Hashable, Codable {
  public var id: String
  public var name: String
  public var roles: [Role]
  /// Purpose codes, or `@statutory` / `@consent` for every purpose of that kind.
  public var purposes: [String] = []
  /// Category codes, or `*` for the whole catalogue.
  public var categories: [String] = []
  /// Subject kinds a provider may register.
  public var registers: [SubjectKind]?
  public var queryKind: PurposeKind?
  public var quotaPerMinute: Int?

  enum CodingKeys: String, CodingKey {
    case id, name, roles, purposes, categories, registers
    case queryKind = "query_kind"
    case quotaPerMinute = "quota_per_minute"
  }

  /// `Decodable`: `id` and `roles` are required; `name` defaults to the id, `purposes` and
  /// `categories` to none, and the rest is left for `resolveInstitutions` to default.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    id = try c.decode(String.self, forKey: .id)
    name = try c.decodeIfPresent(String.self, forKey: .name) ?? id
    roles = try c.decode([Role].self, forKey: .roles)
    purposes = try c.decodeIfPresent([String].self, forKey: .purposes) ?? []
    categories = try c.decodeIfPresent([String].self, forKey: .categories) ?? []
    registers = try c.decodeIfPresent([SubjectKind].self, forKey: .registers)
    queryKind = try c.decodeIfPresent(PurposeKind.self, forKey: .queryKind)
    quotaPerMinute = try c.decodeIfPresent(Int.self, forKey: .quotaPerMinute)
  }
}

extension GatewayConfiguration: Decodable {
  enum CodingKeys: String, CodingKey {
    case listen, storage, institutions
    case metricsListen = "metrics_listen"
    case dataDirectory = "data_dir"
    case certsDirectory = "certs_dir"
    case listsDirectory = "lists_dir"
    case tls, audit
    case revokedSerials = "revoked_serials"
    case consent
    case demoData = "demo_data"
    case maxCallsInFlight = "max_calls_in_flight"
    case maxConcurrentStreams = "max_concurrent_streams"
  }

  struct TLSKeys: Decodable {
    var certificate: String?
    var privateKey: String?
    var clientCA: String?
    enum CodingKeys: String, CodingKey {
      case certificate
      case privateKey = "private_key"
      case clientCA = "client_ca"
    }
  }

  struct ConsentKeys: Decodable {
    var maxDays: Int?
    enum CodingKeys: String, CodingKey {
      case maxDays = "max_days"
    }
  }

  struct AuditKeys: Decodable {
    var origin: String?
    var pseudonymKeyFile: String?
    var signingKeyFile: String?
    var relaxedDurability: Bool?
    enum CodingKeys: String, CodingKey {
      case relaxedDurability = "relaxed_durability_for_benchmarks"
      case origin
      case pseudonymKeyFile = "pseudonym_key_file"
      case signingKeyFile = "signing_key_file"
    }
  }

  /// `Decodable`: reads `gateway.json`, keeping the default of every key it leaves out.
  public init(from decoder: any Decoder) throws {
    self.init()
    let c = try decoder.container(keyedBy: CodingKeys.self)
    listen = try c.decodeIfPresent(String.self, forKey: .listen) ?? listen
    storage = try c.decodeIfPresent(String.self, forKey: .storage)
    metricsListen = try c.decodeIfPresent(String.self, forKey: .metricsListen)
    dataDirectory = try c.decodeIfPresent(String.self, forKey: .dataDirectory) ?? dataDirectory
    certsDirectory = try c.decodeIfPresent(String.self, forKey: .certsDirectory) ?? certsDirectory
    listsDirectory = try c.decodeIfPresent(String.self, forKey: .listsDirectory) ?? listsDirectory
    if let tls = try c.decodeIfPresent(TLSKeys.self, forKey: .tls) {
      serverCertificate = tls.certificate
      serverKey = tls.privateKey
      clientCA = tls.clientCA
    }
    if let audit = try c.decodeIfPresent(AuditKeys.self, forKey: .audit) {
      auditOrigin = audit.origin ?? auditOrigin
      pseudonymKeyFile = audit.pseudonymKeyFile
      signingKeyFile = audit.signingKeyFile
      relaxedAuditDurability = audit.relaxedDurability ?? false
    }
    revokedSerials = try c.decodeIfPresent([String].self, forKey: .revokedSerials) ?? []
    if let consent = try c.decodeIfPresent(ConsentKeys.self, forKey: .consent) {
      consentMaximumDays = consent.maxDays ?? consentMaximumDays
    }
    demoData = try c.decodeIfPresent(Bool.self, forKey: .demoData) ?? demoData
    maxCallsInFlight = try c.decodeIfPresent(Int.self, forKey: .maxCallsInFlight) ?? maxCallsInFlight
    maxConcurrentStreams = try c.decodeIfPresent(Int.self, forKey: .maxConcurrentStreams) ?? maxConcurrentStreams
    institutions = try c.decodeIfPresent([InstitutionConfiguration].self, forKey: .institutions) ?? []
  }

  /// Reads a configuration file; errors name the file and the position.
  public static func load(from path: String) throws(ConfigurationError) -> GatewayConfiguration {
    let data: Data
    do { data = try Data(contentsOf: URL(filePath: path)) } catch {
      throw ConfigurationError("\(path): cannot be read")
    }
    do {
      return try JSONDecoder().decode(GatewayConfiguration.self, from: data)
    } catch {
      throw ConfigurationError("\(path): \(ConfigurationDecoding.explain(error, in: data))")
    }
  }
}

/// A mistake in the configuration; the server does not start.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
  public let description: String
  /// Creates the error; `description` is what the operator is shown.
  public init(_ description: String) { self.description = description }
}
