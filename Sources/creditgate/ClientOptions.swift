import ArgumentParser
import CreditGateClient
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import SwiftProtobuf

/// The flags every client command takes.
struct ClientOptions: ParsableArguments {
  @Option(help: "The gateway's HOST:PORT.") var server = "127.0.0.1:8443"
  @Option(help: "Folder of the development PKI.") var certs = "certs"
  @Option(name: .customLong("as"), help: "The institution whose client certificate to present.")
  var institution: String
  @Option(help: "The operator's id, sent as x-operator-id.")
  var `operator` = ProcessInfo.processInfo.environment["USER"] ?? "cli"
  @Flag(help: "Print JSON instead of a table.") var json = false

  var metadata: Metadata { ["x-operator-id": .string(`operator`)] }

  /// Runs `body` with a client; a gRPC failure is printed with its status and query id, and
  /// the command exits non-zero.
  func call<Result: Sendable>(
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    let connection = try GatewayConnection(server: server, certsDirectory: certs, institution: institution)
    do {
      return try await connection.withClient(body)
    } catch let error as RPCError {
      var line = "error: \(error.code.statusName): \(error.message)"
      if let id = error.metadata[stringValues: "x-query-id"].first(where: { _ in true }) {
        line += " (query_id \(id))"
      }
      FileHandle.standardError.write(Data((line + "\n").utf8))
      throw ExitCode.failure
    }
  }

  func printJSON(_ message: some SwiftProtobuf.Message) throws {
    var options = JSONEncodingOptions()
    options.preserveProtoFieldNames = true
    print(try message.jsonString(options: options))
  }
}

/// A plain-text table with aligned columns.
struct Table {
  var headers: [String]
  var rows: [[String]] = []

  func render() -> String {
    let widths = headers.indices.map { column in
      ([headers] + rows).map { $0.indices.contains(column) ? $0[column].displayWidth : 0 }.max() ?? 0
    }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { index, cell in
        cell + String(repeating: " ", count: max(0, widths[index] - cell.displayWidth))
      }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    return ([line(headers), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line))
      .joined(separator: "\n")
  }
}

extension String {
  /// Terminal columns: CJK characters take two.
  var displayWidth: Int {
    unicodeScalars.reduce(0) { width, scalar in
      width + ((0x1100...0x115F).contains(scalar.value) || (0x2E80...0xA4CF).contains(scalar.value)
        || (0xAC00...0xD7A3).contains(scalar.value) || (0xF900...0xFAFF).contains(scalar.value)
        || (0xFE30...0xFE4F).contains(scalar.value) || (0xFF00...0xFF60).contains(scalar.value)
        || (0xFFE0...0xFFE6).contains(scalar.value) ? 2 : 1)
    }
  }
}

extension RPCError.Code {
  /// The canonical status name, e.g. `PERMISSION_DENIED`.
  var statusName: String {
    String(describing: self).reduce(into: "") { name, character in
      if character.isUppercase { name += "_" }
      name += character.uppercased()
    }
  }
}
