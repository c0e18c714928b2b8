/// A deterministic synthetic population for demos and load tests: persons with valid GB 11643
/// codes across Zhejiang's cities, enterprises and government bodies with valid GB 32100 codes,
/// and records drawn from the catalogue. The same seed and `asOf` date give the same data; any
/// slice can be generated on its own, so a large population is written batch by batch.
public struct SyntheticPopulation: Sendable {
  public let seed: UInt64
  /// Record dates are set relative to this day.
  public let asOf: LocalDate
  private let categories: [SubjectKind: [Category]]
  private let lists: PublishedLists

  /// Creates the population of `seed`, its record dates set relative to `asOf`, its records drawn
  /// from the categories of `lists` that apply to each subject kind (never `identity`).
  public init(seed: UInt64, asOf: LocalDate, lists: PublishedLists) {
    self.seed = seed
    self.asOf = asOf
    self.lists = lists
    var categories: [SubjectKind: [Category]] = [:]
    for kind in SubjectKind.allCases {
      categories[kind] = lists.categories.filter { $0.subjectKinds.contains(kind) && $0.code != "identity" }
    }
    self.categories = categories
  }

  /// A slice of the population: its subjects, and the records to submit about them.
  public struct Batch: Sendable {
    public var subjects: [Subject]
    /// Each record with the id of the institution that provides it.
    public var records: [RecordContent]
  }

  /// The subjects with index in `range`, and their records.
  public func batch(_ range: Range<Int>) -> Batch {
    var batch = Batch(subjects: [], records: [])
    batch.subjects.reserveCapacity(range.count)
    for index in range {
      var random = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
      let subject = makeSubject(index: index, random: &random)
      batch.subjects.append(subject)
      if random.next(below: 100) < 35 {
        for ordinal in 0..<(1 + random.next(below: 3)) {
          if let record = makeRecord(for: subject, ordinal: ordinal, index: index, random: &random) {
            batch.records.append(record)
          }
        }
      }
    }
    return batch
  }

  // MARK: - Subjects

  /// Zhejiang's prefecture-level cities and some of their districts and counties (GB/T 2260).
  static let regions = [
    "330102", "330105", "330106", "330108", "330109", "330110", "330122", "330182",  // 杭州
    "330203", "330205", "330206", "330211", "330212", "330281",  // 宁波
    "330302", "330303", "330304", "330381", "330382",  // 温州
    "330402", "330411", "330421", "330481",  // 嘉兴
    "330502", "330503", "330521",  // 湖州
    "330602", "330603", "330604", "330681",  // 绍兴
    "330702", "330703", "330782", "330783",  // 金华
    "330802", "330803",  // 衢州
    "330902", "330903",  // 舟山
    "331002", "331003", "331082",  // 台州
    "331102", "331181",  // 丽水
  ]

  static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹")
  static let givenMale = ["伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "浩", "宇", "俊", "鹏", "建国", "志强", "子轩", "浩然", "明辉", "天佑"]
  static let givenFemale = ["芳", "娜", "敏", "静", "丽", "艳", "婷", "雪", "颖", "琳", "慧", "欣怡", "雨涵", "梓萱", "思琪", "佳怡", "晓燕", "美玲"]
  static let enterpriseWords = ["数智", "云帆", "恒信", "海纳", "之江", "钱塘", "新安", "瓯越", "天目", "越秀", "东海", "明州"]
  static let enterpriseKinds = ["科技有限公司", "贸易有限公司", "建设工程有限公司", "食品有限公司", "物流有限公司", "医疗器械有限公司"]
  static let governmentBodies = ["发展和改革局", "财政局", "住房和城乡建设局", "交通运输局", "市场监督管理局", "生态环境局", "教育局", "卫生健康委员会"]
  static let organisationAlphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")

  /// Birth dates span 1950-01-01 plus this many days (to the end of 2005).
  static let birthDays = 20_454
  static let birthBase = LocalDate(year: 1950, month: 1, day: 1)!

  private func makeSubject(index: Int, random: inout SplitMix64) -> Subject {
    let roll = random.next(below: 100)
    let region = Self.regions[random.next(below: Self.regions.count)]
    if roll < 90 {
      // (birth day, sequence) is a permutation of the index, so codes never collide within a
      // region-independent space of 20,454 × 1,000 persons.
      let slot = Self.permute(index, modulo: Self.birthDays * 1000)
      let birth = Self.birthBase.adding(days: slot / 1000)
      let sequence = slot % 1000
      let (y, m, d) = birth.parts
      let body = region + String(y) + Self.pad(m, 2) + Self.pad(d, 2) + Self.pad(sequence, 3)
      let check = Character(Unicode.Scalar(SubjectCode.personCheckCharacter(Array(body.utf8))))
      let male = sequence % 2 == 1
      let surname = Self.surnames[random.next(below: Self.surnames.count)]
      let given = male ? Self.givenMale : Self.givenFemale
      return Subject(
        code: body + String(check), kind: .person,
        name: String(surname) + given[random.next(below: given.count)])
    }
    let government = roll >= 98
    let body = (government ? "11" : "91") + region + (government ? "MB" : "MA") + Self.base31(index, digits: 7)
    let check = Character(Unicode.Scalar(SubjectCode.organisationCheckCharacter(Array(body.utf8))))
    let name =
      government
      ? "示例\(Self.cityName(region))\(Self.governmentBodies[random.next(below: Self.governmentBodies.count)])"
      : "\(Self.cityName(region))\(Self.enterpriseWords[random.next(below: Self.enterpriseWords.count)])\(Self.enterpriseKinds[random.next(below: Self.enterpriseKinds.count)])"
    return Subject(code: body + String(check), kind: government ? .government : .organisation, name: name)
  }

  static func cityName(_ region: String) -> String {
    switch region.prefix(4) {
    case "3301": "杭州"
    case "3302": "宁波"
    case "3303": "温州"
    case "3304": "嘉兴"
    case "3305": "湖州"
    case "3306": "绍兴"
    case "3307": "金华"
    case "3308": "衢州"
    case "3309": "舟山"
    case "3310": "台州"
    default: "丽水"
    }
  }

  /// An affine permutation of `0..<modulo` (the multiplier is prime and does not divide it).
  static func permute(_ index: Int, modulo: Int) -> Int {
    (index % modulo * 1_000_003 + 7_919) % modulo
  }

  static func base31(_ value: Int, digits: Int) -> String {
    var value = value
    var characters: [Character] = []
    for _ in 0..<digits {
      characters.append(organisationAlphabet[value % 31])
      value /= 31
    }
    return String(characters.reversed())
  }

  static func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return String(repeating: "0", count: max(0, width - text.count)) + text
  }

  // MARK: - Records

  private func makeRecord(
    for subject: Subject, ordinal: Int, index: Int, random: inout SplitMix64
  ) -> RecordContent? {
    guard let choices = categories[subject.kind], !choices.isEmpty else { return nil }
    let category = choices[random.next(below: choices.count)]
    var severity: Severity?
    if category.polarity == .trustBreaking {
      let roll = random.next(below: 10)
      severity = roll < 4 ? .minor : roll < 8 ? .general : .serious
    }
    guard let bound = category.disclosureBound(for: severity) else { return nil }
    let decided = asOf.adding(days: -random.next(below: 1400))
    let act = decided.adding(days: -random.next(below: 180))
    let ended: LocalDate? = random.next(below: 2) == 0 ? decided.adding(days: random.next(below: 60)) : nil
    let provider = category.code == "dishonest-judgment-debtor" || category.code == "judgment-nonperformance"
      ? "demo-court" : "demo-data-platform"
    return RecordContent(
      providerID: provider, providerRecordID: "seed-\(seed)-\(index)-\(ordinal)",
      subjectCode: subject.code, category: category.code, severity: severity, title: category.name,
      documentNumber: "浙示例〔\(decided.parts.year)〕\(index % 10_000)号", actDate: act, decidedOn: decided,
      actEndedOn: ended.map { min($0, asOf) }, disclosureUntil: decided.adding(days: bound.maxDays))
  }
}

/// A small, fast, seedable generator (Steele et al.'s SplitMix64).
struct SplitMix64 {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
