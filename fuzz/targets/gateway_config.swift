// libFuzzer target: the gateway configuration loader (config/gateway.json:
// CreditGateServer/Configuration/GatewayConfiguration.swift, compiled into this target with the
// fuzz build of CreditGateCore) and its error explanations (Support/ConfigurationDecoding.swift).
// Any input: a configuration or a ConfigurationError, never a trap.
@testable import CreditGateCore
import Foundation

private let configDirectory = ProcessInfo.processInfo.environment["CREDITGATE_FUZZ_CONFIG"] ?? "config"
private let lists: PublishedLists = {
  do { return try PublishedLists.load(from: URL(fileURLWithPath: configDirectory)) } catch {
    fatalError("cannot load the published lists from \(configDirectory): \(error)")
  }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGatewayConfiguration(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Data(bytes: data, count: size)
  // As GatewayConfiguration.load(from:) does, without the file.
  let configuration: GatewayConfiguration
  do {
    configuration = try JSONDecoder().decode(GatewayConfiguration.self, from: bytes)
  } catch {
    precondition(!ConfigurationDecoding.explain(error, in: bytes).isEmpty)
    return 0
  }
  _ = (configuration.storageURL, configuration.serverCertificatePath, configuration.clientCAPath)
  _ = (configuration.pseudonymKeyPath, configuration.signingKeyPath, configuration.serverKeyPath)
  do {
    try configuration.validate()
    let (host, port) = try configuration.listenAddress()
    precondition((0...65535).contains(port))
    _ = host
  } catch {
    _ = error.description
  }
  do {
    let institutions = try configuration.resolveInstitutions(lists: lists)
    precondition(Set(institutions.map(\.id)).count == institutions.count, "duplicate institution ids accepted")
  } catch {
    _ = error.description
  }
  return 0
}
