import Foundation

/// A provider's request to register subjects (DESIGN §2, §3): each item is checked on its own
/// and answered with its own result, so that one bad item does not hold back the others.
public struct SubjectRegistration: Sendable, Hashable {
  /// One subject as the provider sends it.
  public struct Item: Sendable, Hashable {
    /// The code as sent, not yet parsed.
    public var subjectCode: String
    /// The registered name, as sent; stored without surrounding blanks.
    public var name: String

    /// An item as the request carries it.
    public init(subjectCode: String, name: String) {
      self.subjectCode = subjectCode
      self.name = name
    }
  }

  /// The answer for one item.
  public struct Result: Sendable, Hashable {
    /// The code normalised when it parses, otherwise as sent.
    public var subjectCode: String
    /// The code's warnings when it parses (an early organisation code), even if the item is
    /// refused for another reason.
    public var warnings: [String]
    /// The subject to store, or why the item was refused (its field names the item).
    public var outcome: Swift.Result<Subject, GatewayError>

    /// The answer for an item whose code reads `subjectCode`.
    public init(subjectCode: String, warnings: [String] = [], outcome: Swift.Result<Subject, GatewayError>) {
      self.subjectCode = subjectCode
      self.warnings = warnings
      self.outcome = outcome
    }
  }

  /// The items in the order sent; the results keep it.
  public var items: [Item]

  /// A registration of `items`.
  public init(_ items: [Item]) {
    self.items = items
  }

  /// Checks every item for `provider`: the code, the kinds of subject the provider may
  /// register, the name; a code is accepted at most once per request. Returns one result per
  /// item, in order; the first problem found in an item is reported.
  public func validate(provider: Institution) -> [Result] {
    var seen: Set<String> = []
    return items.enumerated().map { index, item in
      let code: SubjectCode
      do throws(GatewayError) {
        code = try SubjectCode.validated(item.subjectCode, field: "subjects[\(index)].subject_code")
      } catch {
        return Result(subjectCode: item.subjectCode, outcome: .failure(error))
      }
      let outcome = Swift.Result { () throws(GatewayError) -> Subject in
        let subject = try Self.subject(item, code: code, index: index, provider: provider)
        guard seen.insert(subject.code).inserted else {
          throw .invalid("subjects[\(index)].subject_code", "appears twice in this request")
        }
        return subject
      }
      return Result(subjectCode: code.value, warnings: code.warnings, outcome: outcome)
    }
  }

  /// The subject one item registers, its code already parsed.
  private static func subject(
    _ item: Item, code: SubjectCode, index: Int, provider: Institution
  ) throws(GatewayError) -> Subject {
    guard provider.registers.contains(code.kind) else {
      throw .denied("provider may not register a \(code.kind.rawValue)", field: "subjects[\(index)].subject_code")
    }
    let name = item.name.trimmingCharacters(in: .whitespacesAndNewlines)
    // Its length is checked with every other field's, before the call reaches here (InputText).
    guard !name.isEmpty else { throw .invalid("subjects[\(index)].name", "is required") }
    return Subject(code: code.value, kind: code.kind, name: name)
  }
}
