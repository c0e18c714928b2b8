import CreditGateCore
import Foundation

extension Gateway {
  /// Every audit entry in a time window, of every log in the store, read page by page.
  func auditEntries(from: Date?, until: Date?) async throws -> [AuditEntry] {
    try await auditEntries(matching: AuditFilter(from: from, until: until))
  }

  /// Every audit entry that matches, read page by page (the filter's limit is the page size).
  func auditEntries(matching filter: AuditFilter) async throws -> [AuditEntry] {
    var entries: [AuditEntry] = []
    var filter = filter
    filter.limit = 10_000
    while true {
      let page = try await store.search(filter)
      entries += page
      guard let last = page.last, page.count == filter.limit else { return entries }
      filter = filter.continuing(after: last)
    }
  }
}
