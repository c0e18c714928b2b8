public import CreditGateCore
import Foundation

/// The small demo data set a new database receives (documented in the README): a few persons,
/// an enterprise and a government body, with records that show the rules at work.
public enum DemoData {
  public static let subjects: [Subject] = [
    Subject(code: "33010619900101123X", kind: .person, name: "张伟"),
    Subject(code: "330102198506150040", kind: .person, name: "李娜"),
    Subject(code: "330203197803025518", kind: .person, name: "王芳"),
    Subject(code: "330106199208080080", kind: .person, name: "陈静"),
    Subject(code: "91330106MA2B00001Y", kind: .organisation, name: "杭州示例科技有限公司"),
    Subject(code: "11330100MB0000012X", kind: .government, name: "示例市城市建设局"),
  ]

  /// The records, with dates relative to `today` so that the demo stays current.
  static func records(today: LocalDate) -> [(provider: String, RecordSubmission)] {
    func date(_ daysAgo: Int) -> String { today.adding(days: -daysAgo).iso }
    return [
      ("demo-data-platform", RecordSubmission(
        providerRecordID: "honour-2025-0001", subjectCode: "33010619900101123X", category: "honour",
        severity: nil, title: "浙江省诚信道德模范", documentNumber: "浙文明〔2025〕12号",
        actDate: date(200), decidedOn: date(190))),
      ("demo-data-platform", RecordSubmission(
        providerRecordID: "volunteer-2026-0042", subjectCode: "33010619900101123X",
        category: "volunteer-service", severity: nil, title: "优秀志愿者（志愿服务时长 320 小时）",
        documentNumber: "杭志联〔2026〕3号", actDate: date(90), decidedOn: date(80))),
      ("demo-court", RecordSubmission(
        providerRecordID: "(2026)浙0106执1234号", subjectCode: "330102198506150040",
        category: "dishonest-judgment-debtor", severity: .serious,
        title: "有履行能力而拒不履行生效法律文书确定的义务", documentNumber: "(2026)浙0106执1234号",
        actDate: date(150), decidedOn: date(120))),
      ("demo-data-platform", RecordSubmission(
        providerRecordID: "penalty-2026-0777", subjectCode: "330102198506150040",
        category: "admin-penalty", severity: .general, title: "违反城市管理规定，罚款",
        documentNumber: "杭城管罚〔2026〕777号", actDate: date(40), decidedOn: date(30))),
      ("demo-data-platform", RecordSubmission(
        providerRecordID: "tax-2026-0031", subjectCode: "330102198506150040",
        category: "serious-tax-violation", severity: .serious, title: "虚开增值税发票",
        documentNumber: "杭税稽罚〔2026〕31号", actDate: date(300), decidedOn: date(100))),
      ("demo-data-platform", RecordSubmission(
        providerRecordID: "loan-2026-1001", subjectCode: "330203197803025518",
        category: "loan-default", severity: .general, title: "个人经营贷款逾期 120 天",
        documentNumber: "甬银催〔2026〕1001号", actDate: date(180), decidedOn: date(60))),
      ("demo-data-platform", RecordSubmission(
        providerRecordID: "exam-2025-0099", subjectCode: "330203197803025518",
        category: "exam-cheating", severity: .general, title: "全国会计专业技术资格考试作弊",
        documentNumber: "浙人考〔2025〕99号", actDate: date(330), decidedOn: date(300),
        actEndedOn: date(300))),
      // A minor penalty decided 400 days ago: its 90-day disclosure period is over, so it is
      // stored but never disclosed to a query.
      ("demo-data-platform", RecordSubmission(
        providerRecordID: "penalty-2025-0100", subjectCode: "330106199208080080",
        category: "admin-penalty", severity: .minor, title: "违规停车，警告",
        documentNumber: "杭公交罚〔2025〕100号", actDate: date(400), decidedOn: date(400))),
      ("demo-data-platform", RecordSubmission(
        providerRecordID: "licence-2026-0500", subjectCode: "91330106MA2B00001Y",
        category: "admin-licence", severity: nil, title: "食品经营许可证",
        documentNumber: "JY13301060000500", actDate: date(100), decidedOn: date(100))),
      ("demo-data-platform", RecordSubmission(
        providerRecordID: "tax-2026-0500", subjectCode: "91330106MA2B00001Y",
        category: "tax-arrears", severity: .general, title: "欠缴增值税 12 万元",
        documentNumber: "杭税通〔2026〕500号", actDate: date(70), decidedOn: date(50))),
      ("demo-data-platform", RecordSubmission(
        providerRecordID: "commitment-2026-0007", subjectCode: "11330100MB0000012X",
        category: "commitment-broken", severity: .general, title: "未按承诺期限支付工程款",
        documentNumber: "浙信用〔2026〕7号", actDate: date(150), decidedOn: date(90))),
      ("demo-court", RecordSubmission(
        providerRecordID: "(2026)浙01执88号", subjectCode: "11330100MB0000012X",
        category: "judgment-nonperformance", severity: .serious, title: "拒不履行生效行政判决",
        documentNumber: "(2026)浙01执88号", actDate: date(200), decidedOn: date(160))),
    ]
  }

  /// Loads the demo data into an empty store, validating each record as a provider's would be.
  public static func load(
    into store: any CreditStore, lists: PublishedLists, institutions: [Institution], today: LocalDate
  ) async throws {
    try await store.registerSubjects(subjects)
    let kinds = Dictionary(uniqueKeysWithValues: subjects.map { ($0.code, $0.kind) })
    let providers = Dictionary(uniqueKeysWithValues: institutions.map { ($0.id, $0) })
    var contents: [RecordContent] = []
    for (providerID, submission) in records(today: today) {
      guard let provider = providers[providerID] else { continue }
      contents.append(
        try submission.validate(
          provider: provider, lists: lists, subjectKind: kinds[submission.subjectCode], today: today))
    }
    _ = try await store.submitRecords(contents)
  }
}
