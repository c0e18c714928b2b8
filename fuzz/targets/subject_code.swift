// libFuzzer target: the subject-code parsers (GB 11643 / GB 32100), Identity/SubjectCode.swift.
// Any input, under every `expecting:` mode: a code or a SubjectCodeError, never a trap; an
// accepted code re-parses to itself, and nothing it prints contains the whole code.
@testable import CreditGateCore

private let today = LocalDate(year: 2026, month: 11, day: 26)!

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSubjectCode(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  for expected in [nil, SubjectKind.person, .organisation, .government] {
    let code: SubjectCode
    do {
      code = try SubjectCode(parsing: text, expecting: expected, today: today)
    } catch {
      _ = error.description
      _ = error.gatewayError()
      continue
    }
    // Every accessor must be total on an accepted code.
    _ = (code.regionCode, code.provinceCode, code.province, code.registrationAuthority)
    _ = (code.registrationAuthorityCode, code.typeCode, code.organisationCode, code.masked)
    for printed in [code.description, code.debugDescription, String(reflecting: code)] {
      precondition(!printed.contains(code.value), "a printed form holds the whole code")
    }
    precondition(code.value.utf8.count == 18, "an accepted code is not 18 bytes")
    // Normalisation is idempotent: the accepted value parses again, to the same code.
    let again = try? SubjectCode(parsing: code.value, expecting: expected, today: today)
    precondition(again == code, "an accepted code does not re-parse to itself")
  }
  return 0
}
