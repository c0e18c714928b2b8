@testable import CreditGateCore
import Foundation
import Testing

@Suite("SyntheticPopulation")
struct SyntheticPopulationTests {
  static let asOf = LocalDate(iso: "2026-06-15")!

  static func population(seed: UInt64 = 42, asOf: LocalDate = asOf) throws -> SyntheticPopulation {
    SyntheticPopulation(seed: seed, asOf: asOf, lists: try TestSupport.shippedLists())
  }

  /// The providers of `config/gateway.json`, with `*` expanded to the whole catalogue as the
  /// server does (the core tests cannot import the server's configuration loader).
  static func providers(_ lists: PublishedLists) throws -> [String: Institution] {
    let url = TestSupport.configDirectory.appending(path: "gateway.json")
    let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    let entries = try #require(root["institutions"] as? [[String: Any]])
    var providers: [String: Institution] = [:]
    for entry in entries {
      let roles = (entry["roles"] as? [String] ?? []).compactMap(Role.init(rawValue:))
      guard roles.contains(.provider), let id = entry["id"] as? String else { continue }
      var categories: Set<String> = []
      for token in entry["categories"] as? [String] ?? [] {
        if token == "*" { categories.formUnion(lists.categories.map(\.code)) } else { categories.insert(token) }
      }
      providers[id] = Institution(id: id, name: entry["name"] as? String ?? id, roles: Set(roles), categories: categories)
    }
    return providers
  }

  @Test("every subject code parses, with the kind the subject says, and the kinds are all there")
  func codesParse() throws {
    let batch = try Self.population().batch(0..<50_000)
    var failures: [String] = []
    var kinds: [SubjectKind: Int] = [:]
    for (index, subject) in batch.subjects.enumerated() {
      do {
        let code = try SubjectCode(parsing: subject.code, today: Self.asOf)
        if code.kind != subject.kind { failures.append("#\(index): \(code.kind) ≠ \(subject.kind)") }
        if !code.warnings.isEmpty { failures.append("#\(index): warnings \(code.warnings)") }
        if code.provinceCode != "33" { failures.append("#\(index): province \(code.provinceCode)") }
      } catch {
        failures.append("#\(index) (\(subject.kind)): \(error)")
      }
      kinds[subject.kind, default: 0] += 1
    }
    #expect(failures.isEmpty, "\(failures.count) bad codes, first: \(failures.prefix(5))")
    // Roughly 90 % persons, 8 % enterprises, 2 % government bodies.
    #expect((43_000...47_000).contains(kinds[.person] ?? 0), "\(kinds)")
    #expect((3_000...5_000).contains(kinds[.organisation] ?? 0), "\(kinds)")
    #expect((500...1_500).contains(kinds[.government] ?? 0), "\(kinds)")
  }

  @Test("subject codes are unique over the first 50,000 subjects")
  func uniqueCodes() throws {
    let batch = try Self.population().batch(0..<50_000)
    #expect(batch.subjects.count == 50_000)
    #expect(Set(batch.subjects.map(\.code)).count == 50_000)
    #expect(Set(batch.records.map(\.recordID)).count == batch.records.count)
  }

  @Test("the same seed and asOf give identical batches")
  func deterministic() throws {
    let first = try Self.population().batch(0..<2_000)
    let second = try Self.population().batch(0..<2_000)
    #expect(first.subjects == second.subjects)
    #expect(first.records == second.records)
    #expect(!first.records.isEmpty)
  }

  @Test("a different seed gives different subjects; a different asOf moves the record dates")
  func seedAndDateMatter() throws {
    let reference = try Self.population().batch(0..<500)
    let otherSeed = try Self.population(seed: 43).batch(0..<500)
    #expect(reference.subjects != otherSeed.subjects)
    #expect(reference.records != otherSeed.records)
    let later = try Self.population(asOf: Self.asOf.adding(days: 1)).batch(0..<500)
    #expect(later.subjects == reference.subjects)
    #expect(later.records.map(\.decidedOn) == reference.records.map { $0.decidedOn.adding(days: 1) })
  }

  @Test("slices generate independently: batch(0..<100) + batch(100..<200) == batch(0..<200)")
  func slices() throws {
    let population = try Self.population()
    let whole = population.batch(0..<200)
    let first = population.batch(0..<100)
    let second = population.batch(100..<200)
    #expect(first.subjects + second.subjects == whole.subjects)
    #expect(first.records + second.records == whole.records)
    #expect(population.batch(150..<151).subjects == [whole.subjects[150]])
  }

  @Test("every record passes its provider's validation as gateway.json configures it", arguments: [42, 7, 2026] as [UInt64])
  func recordsValidate(_ seed: UInt64) throws {
    let lists = try TestSupport.shippedLists()
    let providers = try Self.providers(lists)
    let batch = try Self.population(seed: seed).batch(0..<5_000)
    let kinds = Dictionary(uniqueKeysWithValues: batch.subjects.map { ($0.code, $0.kind) })
    #expect(batch.records.count > 1_000)  // about 35 % of subjects × 2 records
    var failures: [String] = []
    for record in batch.records {
      guard let provider = providers[record.providerID] else {
        failures.append("\(record.providerRecordID): unknown provider \(record.providerID)")
        continue
      }
      let submission = RecordSubmission(
        providerRecordID: record.providerRecordID, subjectCode: record.subjectCode, category: record.category,
        severity: record.severity, title: record.title, documentNumber: record.documentNumber,
        actDate: record.actDate.iso, decidedOn: record.decidedOn.iso, actEndedOn: record.actEndedOn?.iso ?? "",
        disclosureUntil: record.disclosureUntil.iso)
      do {
        let validated = try submission.validate(
          provider: provider, lists: lists, subjectKind: kinds[record.subjectCode], today: Self.asOf)
        if validated != record { failures.append("\(record.providerRecordID): changed by validation") }
      } catch {
        failures.append("\(record.providerRecordID) (\(record.category), \(provider.id)): \(error)")
      }
    }
    #expect(failures.isEmpty, "\(failures.count) invalid records, first: \(failures.prefix(5))")
  }

  @Test("the record rules, checked one by one")
  func recordRules() throws {
    let lists = try TestSupport.shippedLists()
    let batch = try Self.population().batch(0..<5_000)
    let kinds = Dictionary(uniqueKeysWithValues: batch.subjects.map { ($0.code, $0.kind) })
    for record in batch.records {
      let category = try #require(lists.category(record.category))
      let kind = try #require(kinds[record.subjectCode])
      #expect(category.subjectKinds.contains(kind), "\(record.category) for a \(kind)")
      #expect(record.category != "identity")
      #expect((record.severity != nil) == (category.polarity == .trustBreaking), "\(record.category)")
      let bound = try #require(category.disclosureBound(for: record.severity))
      #expect(record.disclosureUntil >= record.decidedOn.adding(days: bound.minDays))
      #expect(record.disclosureUntil <= record.decidedOn.adding(days: bound.maxDays))
      #expect(record.actDate <= record.decidedOn && record.decidedOn <= Self.asOf)
      if let ended = record.actEndedOn { #expect(record.actDate <= ended && ended <= Self.asOf) }
      let court = ["dishonest-judgment-debtor", "judgment-nonperformance"].contains(record.category)
      #expect(record.providerID == (court ? "demo-court" : "demo-data-platform"))
    }
  }
}
