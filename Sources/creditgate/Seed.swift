import ArgumentParser
import CreditGateCore
import CreditGateServer
import Foundation

struct Seed: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write a deterministic synthetic population into a database, for demos and load tests.")

  @Option(help: "How many subjects (about 90% persons, 8% enterprises, 2% government bodies).")
  var subjects: Int
  @Option(help: "The seed: the same seed and --as-of give the same data.") var seed: UInt64 = 1
  @Option(help: "Record dates are relative to this day (YYYY-MM-DD; default today in China).") var asOf: String?
  @Option(help: "Folder of the default database.") var data = "data"
  @Option(help: "sqlite:PATH (default sqlite:<data>/creditgate.sqlite).") var storage: String?
  @Option(help: "Folder of the published lists.") var lists = "config"
  @Option(help: "Subjects per transaction.") var batch = 10_000

  func validate() throws {
    guard subjects > 0 else { throw ValidationError("--subjects must be positive") }
    guard batch > 0 else { throw ValidationError("--batch must be positive") }
    if let asOf, LocalDate(iso: asOf) == nil { throw ValidationError("--as-of must be YYYY-MM-DD") }
  }

  func run() async throws {
    let published = try PublishedLists.load(from: URL(filePath: lists))
    let day = asOf.flatMap(LocalDate.init(iso:)) ?? LocalDate.todayInChina()
    let population = SyntheticPopulation(seed: seed, asOf: day, lists: published)
    // Run as the gateway runs it: a backend may need to be running before its first query.
    let records = try await GatewayStorage.withStore(storage ?? "sqlite:\(data)/creditgate.sqlite") { store in
      let start = ContinuousClock.now
      var records = 0
      var written = 0
      while written < subjects {
        let range = written..<min(subjects, written + batch)
        let generated = population.batch(range)
        try await store.registerSubjects(generated.subjects)
        _ = try await store.submitRecords(generated.records)
        records += generated.records.count
        written = range.upperBound
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        let line = String(
          format: "\rseeded %d/%d subjects, %d records, %.1f s (%.0f subjects/s)", written, subjects, records,
          seconds, Double(written) / max(seconds, 0.001))
        FileHandle.standardError.write(Data(line.utf8))
      }
      return records
    }
    FileHandle.standardError.write(Data("\n".utf8))
    print("seeded \(subjects) subjects and \(records) records (seed \(seed), as of \(day))")
  }
}
