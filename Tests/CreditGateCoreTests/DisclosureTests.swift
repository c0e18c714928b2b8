@testable import CreditGateCore
import Foundation
import Testing

private func date(_ iso: String) -> LocalDate { LocalDate(iso: iso)! }

private func record(
  category: String, severity: Severity?, status: RecordStatus = .active, actDate: String,
  decidedOn: String, actEndedOn: String? = nil, disclosureUntil: String
) -> CreditRecord {
  let content = RecordContent(
    providerID: "test-provider", providerRecordID: "r-1", subjectCode: Codes.person,
    category: category, severity: severity, title: "t", documentNumber: "n",
    actDate: date(actDate), decidedOn: date(decidedOn), actEndedOn: actEndedOn.map(date),
    disclosureUntil: date(disclosureUntil))
  return CreditRecord(id: content.recordID, content: content, status: status, version: 1)
}

@Suite("Disclosure.isDisclosable")
struct DisclosureTests {
  let penalty: Category
  let honour: Category

  init() throws {
    let lists = try TestSupport.shippedLists()
    penalty = try #require(lists.category("admin-penalty"))
    honour = try #require(lists.category("honour"))
    try #require(penalty.polarity == .trustBreaking)
    try #require(honour.polarity == .trustKeeping)
  }

  @Test(
    "revoked and repaired records are never disclosed; active and disputed ones are",
    arguments: [
      (RecordStatus.active, true), (.disputed, true), (.revoked, false), (.repaired, false),
    ])
  func status(_ status: RecordStatus, _ disclosed: Bool) {
    let stored = record(
      category: "admin-penalty", severity: .general, status: status, actDate: "2025-01-10",
      decidedOn: "2025-02-01", actEndedOn: "2025-03-01", disclosureUntil: "2026-02-01")
    #expect(Disclosure.isDisclosable(stored, category: penalty, today: date("2025-06-01")) == disclosed)
  }

  @Test(
    "disclosed up to and including disclosure_until, not the day after",
    arguments: [("2026-02-01", true), ("2026-02-02", false), ("2025-02-01", true), ("2027-01-01", false)])
  func disclosureEnd(_ today: String, _ disclosed: Bool) {
    for (category, severity) in [(penalty, Severity?.some(.general)), (honour, nil)] {
      let stored = record(
        category: category.code, severity: severity, actDate: "2025-01-10", decidedOn: "2025-02-01",
        disclosureUntil: "2026-02-01")
      #expect(
        Disclosure.isDisclosable(stored, category: category, today: date(today)) == disclosed,
        "\(category.code) on \(today)")
    }
  }

  // A serious record decided long after the act ended: its disclosure period (to 2025-09-30)
  // outlasts the five years after the act ended (2018-03-10 + 5 years = 2023-03-10).
  @Test(
    "trust-breaking records stop five years after the act ended",
    arguments: [
      ("2023-03-09", true), ("2023-03-10", true), ("2023-03-11", false), ("2025-09-30", false),
    ])
  func fiveYearRule(_ today: String, _ disclosed: Bool) {
    let stored = record(
      category: "admin-penalty", severity: .serious, actDate: "2018-01-05", decidedOn: "2022-10-01",
      actEndedOn: "2018-03-10", disclosureUntil: "2025-09-30")
    #expect(Disclosure.isDisclosable(stored, category: penalty, today: date(today)) == disclosed)
  }

  @Test(
    "the five years after an act that ended on 29 February end on 28 February",
    arguments: [("2025-02-28", true), ("2025-03-02", false)])
  func fiveYearRuleLeapDay(_ today: String, _ disclosed: Bool) {
    let stored = record(
      category: "admin-penalty", severity: .serious, actDate: "2020-01-10", decidedOn: "2023-06-01",
      actEndedOn: "2020-02-29", disclosureUntil: "2026-05-31")
    #expect(Disclosure.isDisclosable(stored, category: penalty, today: date(today)) == disclosed)
  }

  @Test("a trust-breaking act that has not ended is disclosed until disclosure_until")
  func unendedAct() {
    let stored = record(
      category: "admin-penalty", severity: .serious, actDate: "2015-01-05", decidedOn: "2024-01-01",
      disclosureUntil: "2026-12-31")
    #expect(Disclosure.isDisclosable(stored, category: penalty, today: date("2026-12-31")))
  }

  @Test("trust-keeping records are not subject to the five-year rule")
  func trustKeepingNotLimited() {
    let stored = record(
      category: "honour", severity: nil, actDate: "2012-05-01", decidedOn: "2024-01-01",
      actEndedOn: "2012-05-01", disclosureUntil: "2028-12-31")
    #expect(Disclosure.isDisclosable(stored, category: honour, today: date("2025-06-01")))
    #expect(Disclosure.isDisclosable(stored, category: honour, today: date("2028-12-31")))
  }

  // Issue 8, defect 5: an act that "ended" in year 9998 (stored before dates were bounded)
  // put the five-year limit past year 9999, where the date was force-unwrapped.
  @Test(
    "the five-year rule cannot fail for an act that ended near year 9999",
    arguments: ["9995-01-01", "9998-06-01", "9999-12-31", "9996-02-29"])
  func fiveYearRuleFarFuture(_ ended: String) {
    let stored = record(
      category: "admin-penalty", severity: .serious, actDate: "2020-01-10", decidedOn: "2023-06-01",
      actEndedOn: ended, disclosureUntil: "2026-05-31")
    #expect(Disclosure.isDisclosable(stored, category: penalty, today: date("2025-06-01")))
  }
}
