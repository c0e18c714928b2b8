@testable import CreditGateCore
import Foundation
import Testing

/// One string and whether `InputText` accepts it in a field.
struct TextCase: Sendable, CustomTestStringConvertible {
  var label: String
  var text: String
  var field = "purpose"
  /// nil if accepted; otherwise a part of the reason.
  var refusal: String?
  var testDescription: String { label }
}

@Suite("InputText")
struct InputTextTests {
  static let cases: [TextCase] = [
    .init(label: "plain ASCII", text: "civil-servant-recruitment"),
    .init(label: "Chinese", text: "行政处罚决定书", field: "title"),
    .init(label: "empty", text: ""),
    .init(label: "emoji with zero-width joiners", text: "👩‍👩‍👧", field: "name"),
    .init(label: "zero-width non-joiner", text: "می\u{200C}خواهم", field: "name"),
    .init(label: "private-use character (rare hanzi)", text: "王\u{E000}", field: "name"),
    .init(label: "space and ideographic space", text: "张 三\u{3000}", field: "name"),
    .init(label: "NUL", text: "credit\u{0}extra", refusal: "U+0000 at position 7"),
    .init(label: "line feed", text: "a\nb", refusal: "U+000A"),
    .init(label: "carriage return", text: "a\rb", refusal: "U+000D"),
    .init(label: "tab", text: "a\tb", refusal: "U+0009"),
    .init(label: "escape", text: "\u{1B}[2J", refusal: "U+001B at position 1"),
    .init(label: "DEL", text: "a\u{7F}", refusal: "U+007F"),
    .init(label: "C1 control (NEL)", text: "a\u{85}", refusal: "U+0085"),
    .init(label: "line separator", text: "a\u{2028}b", refusal: "U+2028"),
    .init(label: "paragraph separator", text: "a\u{2029}b", refusal: "U+2029"),
    .init(label: "right-to-left override", text: "txt\u{202E}exe.", refusal: "U+202E"),
    .init(label: "right-to-left isolate", text: "a\u{2067}b", refusal: "U+2067"),
    .init(label: "left-to-right mark", text: "a\u{200E}", refusal: "U+200E"),
    .init(label: "Arabic letter mark", text: "a\u{61C}", refusal: "U+061C"),
    .init(label: "257 characters, default limit", text: String(repeating: "a", count: 257), refusal: "at most 256"),
    .init(label: "256 characters, default limit", text: String(repeating: "a", count: 256)),
    .init(label: "200 Chinese characters in a name", text: String(repeating: "张", count: 200), field: "name"),
    .init(
      label: "201 characters in a name", text: String(repeating: "张", count: 201), field: "subjects[2].name",
      refusal: "at most 200"),
    .init(
      label: "one letter with 300 combining marks counts 301",
      text: "e" + String(repeating: "\u{301}", count: 300), refusal: "at most 256"),
    .init(label: "500 characters of title", text: String(repeating: "罚", count: 500), field: "records[0].title"),
    .init(
      label: "501 characters of title", text: String(repeating: "罚", count: 501), field: "records[0].title",
      refusal: "at most 500"),
    .init(label: "4000 characters of statement", text: String(repeating: "异", count: 4000), field: "statement"),
    .init(
      label: "129 characters of consent_id", text: String(repeating: "c", count: 129), field: "consent_id",
      refusal: "at most 128"),
  ]

  @Test("accepts text without control characters within the field's limit", arguments: cases)
  func rule(_ textCase: TextCase) {
    do {
      try InputText.check(textCase.text, field: textCase.field)
      #expect(textCase.refusal == nil, "accepted")
    } catch {
      #expect(error.code == .invalidArgument)
      #expect(error.field == textCase.field)
      guard let refusal = textCase.refusal else {
        Issue.record("refused: \(error.message)")
        return
      }
      #expect(error.reason.contains(refusal), "\(error.reason)")
      // The value is never echoed.
      #expect(!error.message.contains(textCase.text) || textCase.text.isEmpty)
      #expect(!error.message.contains("credit"))
    }
  }

  @Test(
    "limits are looked up by the field's name, wherever it sits",
    arguments: [
      ("purpose", 256), ("records[3].title", 500), ("subjects[0].name", 200), ("name", 200),
      ("statement", 4000), ("description", 4000), ("reason", 1000), ("categories[4]", 256),
      ("provider_record_id", 128), ("records[1].document_number", 128), ("valid_until", 256),
    ])
  func limits(_ field: String, _ limit: Int) {
    #expect(InputText.limit(forField: field) == limit)
  }

  @Test(
    "a metadata value must be printable ASCII within its limit",
    arguments: [
      ("officer-007", true), ("o 1", true), ("~!@#", true), ("", true),
      ("officer\u{0}", false), ("officer\n", false), ("操作员", false), ("\u{FFFD}", false),
      (String(repeating: "o", count: 128), true), (String(repeating: "o", count: 129), false),
    ])
  func header(_ text: String, _ valid: Bool) {
    #expect(InputText.isValidHeader(text, limit: 128) == valid)
    do {
      try InputText.checkHeader(text, field: "x-operator-id", limit: 128)
      #expect(valid)
    } catch {
      #expect(!valid)
      #expect(error.field == "x-operator-id")
      #expect(text.isEmpty || !error.message.contains(text))
    }
  }
}
