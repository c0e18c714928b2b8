import Foundation

/// A plain-text table with aligned columns, as the client commands print them: a header row,
/// a row of dashes, then the rows; columns two spaces apart, measured in terminal columns
/// (`String.displayWidth`), trailing spaces trimmed.
public struct Table: Sendable {
  /// The column names.
  public var headers: [String]
  /// The rows, one cell per column.
  public var rows: [[String]]

  /// A table with these columns and, until rows are appended, no rows.
  public init(headers: [String], rows: [[String]] = []) {
    self.headers = headers
    self.rows = rows
  }

  /// The table as lines joined by newlines, without a final newline.
  public func render() -> String {
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
