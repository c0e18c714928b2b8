/// A province-level division of GB/T 2260 (省级行政区划), identified by the first two digits of a
/// six-digit region code.
///
/// Only province-level codes are checked when a subject code is parsed: county codes are not,
/// because a code issued under a county that has since been abolished stays valid for life.
public struct Province: Sendable, Hashable, CustomStringConvertible {
  /// The two-digit GB/T 2260 code, e.g. `"33"`.
  public let code: String
  /// The official Chinese name, e.g. `"浙江省"`.
  public let name: String

  init(_ code: String, _ name: String) {
    self.code = code
    self.name = name
  }

  /// The province with this two-digit code, or nil if GB/T 2260 has no such province.
  public init?(code: String) {
    guard let province = Province.byCode[code] else { return nil }
    self = province
  }

  /// Whether `code` is one of the 34 province-level codes of GB/T 2260.
  public static func isProvinceCode(_ code: String) -> Bool { byCode[code] != nil }

  /// `"33 浙江省"`.
  public var description: String { "\(code) \(name)" }

  /// All 34 province-level divisions, in code order.
  public static let all: [Province] = [
    Province("11", "北京市"),
    Province("12", "天津市"),
    Province("13", "河北省"),
    Province("14", "山西省"),
    Province("15", "内蒙古自治区"),
    Province("21", "辽宁省"),
    Province("22", "吉林省"),
    Province("23", "黑龙江省"),
    Province("31", "上海市"),
    Province("32", "江苏省"),
    Province("33", "浙江省"),
    Province("34", "安徽省"),
    Province("35", "福建省"),
    Province("36", "江西省"),
    Province("37", "山东省"),
    Province("41", "河南省"),
    Province("42", "湖北省"),
    Province("43", "湖南省"),
    Province("44", "广东省"),
    Province("45", "广西壮族自治区"),
    Province("46", "海南省"),
    Province("50", "重庆市"),
    Province("51", "四川省"),
    Province("52", "贵州省"),
    Province("53", "云南省"),
    Province("54", "西藏自治区"),
    Province("61", "陕西省"),
    Province("62", "甘肃省"),
    Province("63", "青海省"),
    Province("64", "宁夏回族自治区"),
    Province("65", "新疆维吾尔自治区"),
    Province("71", "台湾省"),
    Province("81", "香港特别行政区"),
    Province("82", "澳门特别行政区"),
  ]

  private static let byCode: [String: Province] = Dictionary(
    uniqueKeysWithValues: all.map { ($0.code, $0) })
}
