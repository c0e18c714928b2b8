import ArgumentParser
import CreditGateClient
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import SwiftProtobuf

/// The flags every client command takes, and the command's way to run its calls with them
/// (`CommandRunner`): a failed call is reported and the command exits non-zero.
struct ClientOptions: ParsableArguments {
  @Option(help: "The gateway's HOST:PORT.") var server = "127.0.0.1:8443"
  @Option(help: "Folder of the development PKI.") var certs = "certs"
  @Option(name: .customLong("as"), help: "The institution whose client certificate to present.")
  var institution: String
  @Option(help: "The operator's id, sent as x-operator-id.")
  var `operator` = ProcessInfo.processInfo.environment["USER"] ?? "cli"
  @Flag(help: "Print JSON instead of a table.") var json = false

  var metadata: Metadata { ["x-operator-id": .string(`operator`)] }

  /// Runs `body` with a client and returns its result (`CommandRunner.call`).
  func call<Result: Sendable>(
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    try await exitingOnFailure { try await $0.call(body) }
  }

  /// Runs one call and prints its answer as text, or as JSON with `--json` (`CommandRunner.run`).
  func run<Answer: SwiftProtobuf.Message>(
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Answer,
    print printText: (Answer) throws -> Void
  ) async throws {
    try await exitingOnFailure { try await $0.run(body, print: printText) }
  }

  /// Runs one call and prints its answer as text, or with `--json` the messages `json` picks
  /// from it, one line each (`CommandRunner.run`).
  func run<Answer: Sendable>(
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Answer,
    json messages: (Answer) -> [any SwiftProtobuf.Message],
    print printText: (Answer) throws -> Void
  ) async throws {
    try await exitingOnFailure { try await $0.run(body, json: messages, print: printText) }
  }

  /// The failure is on standard error already: exit non-zero without ArgumentParser's message.
  private func exitingOnFailure<Result>(_ body: (CommandRunner) async throws -> Result) async throws -> Result {
    let connection = try GatewayConnection(server: server, certsDirectory: certs, institution: institution)
    do {
      return try await body(CommandRunner(connection: connection, format: json ? .json : .text))
    } catch is CommandRunner.Failure {
      throw ExitCode.failure
    }
  }
}

/// Prints a line to standard error.
func printError(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}
