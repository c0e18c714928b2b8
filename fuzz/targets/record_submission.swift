// libFuzzer target: request validation of a provider's record (Records/RecordSubmission.swift)
// against the real published lists in config/, then the disclosure path the accepted record
// takes on every later query (Records/Disclosure.swift). Input: the ten string fields separated
// by '|' (provider_record_id|subject_code|category|severity|title|document_number|act_date|
// decided_on|act_ended_on|disclosure_until); severity is one of minor/general/serious or empty.
@testable import CreditGateCore
import Foundation

private let configDirectory = ProcessInfo.processInfo.environment["CREDITGATE_FUZZ_CONFIG"] ?? "config"
private let lists: PublishedLists = {
  do { return try PublishedLists.load(from: URL(fileURLWithPath: configDirectory)) } catch {
    fatalError("cannot load the published lists from \(configDirectory): \(error)")
  }
}()
private let provider = Institution(
  id: "fuzz-provider", name: "fuzz", roles: [.provider],
  categories: Set(lists.categories.map(\.code)), registers: Set(SubjectKind.allCases))
private let today = LocalDate(year: 2026, month: 11, day: 26)!

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecordSubmission(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = UnsafeBufferPointer(start: data, count: size)
  var fields = bytes.split(separator: UInt8(ascii: "|"), maxSplits: 9, omittingEmptySubsequences: false)
    .map { String(decoding: $0, as: UTF8.self) }
  while fields.count < 10 { fields.append("") }
  let severity: Severity? = fields[3].isEmpty ? nil : (Severity(rawValue: fields[3]) ?? .serious)
  let submission = RecordSubmission(
    providerRecordID: fields[0], subjectCode: fields[1], category: fields[2], severity: severity,
    title: fields[4], documentNumber: fields[5], actDate: fields[6], decidedOn: fields[7],
    actEndedOn: fields[8], disclosureUntil: fields[9])
  // The input-text rule (Support/InputText.swift) the server applies to every request string
  // before anything else: checked field by field, then validation runs whatever it said, since
  // validate() must be total on its own.
  let names = ["provider_record_id", "subject_code", "category", "severity", "title", "document_number",
               "act_date", "decided_on", "act_ended_on", "disclosure_until"]
  var textAccepted = true
  for (name, value) in zip(names, fields) {
    let accepted = (try? InputText.check(value, field: "records[0].\(name)")) != nil
    let scalars = Array(value.unicodeScalars)
    if accepted {
      precondition(scalars.allSatisfy(InputText.isAllowed), "InputText accepted a refused character")
      precondition(!value.utf8.contains(0), "InputText accepted a NUL")
      precondition(scalars.count <= InputText.limit(forField: name), "InputText accepted an over-long value")
    } else {
      precondition(!scalars.allSatisfy(InputText.isAllowed) || scalars.count > InputText.limit(forField: name),
                   "InputText refused an allowed value within its limit")
    }
    let header = (try? InputText.checkHeader(value, field: name, limit: 128)) != nil
    precondition(header == InputText.isValidHeader(value, limit: 128))
    if header { precondition(value.utf8.allSatisfy { (0x20...0x7E).contains($0) } && value.utf8.count <= 128) }
    textAccepted = textAccepted && accepted
  }
  for kind in [nil, SubjectKind.person, .organisation, .government] {
    let content: RecordContent
    do {
      content = try submission.validate(provider: provider, lists: lists, subjectKind: kind, today: today)
    } catch {
      _ = "\(error)"
      continue
    }
    precondition(content.actDate <= content.decidedOn && content.decidedOn <= today)
    if textAccepted {
      // What reaches the store and the log is free of what SQLite or an export would mangle.
      for text in [content.providerRecordID, content.subjectCode, content.title, content.documentNumber] {
        precondition(!text.utf8.contains(0), "a stored field holds a NUL")
      }
    }
    if let ended = content.actEndedOn { precondition(ended >= content.actDate) }
    _ = (content.recordID, content.disclosureUntil.iso, content.actEndedOn?.iso)
    // What every later query does with the stored record: it must not stop the process.
    let record = CreditRecord(id: content.recordID, content: content, status: .active, version: 1)
    let category = lists.category(content.category)
    for day in [today, content.decidedOn, content.disclosureUntil, content.actEndedOn ?? today] {
      _ = Disclosure.isDisclosable(record, category: category, today: day)
    }
  }
  return 0
}
