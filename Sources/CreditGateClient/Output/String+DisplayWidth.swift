extension String {
  /// Terminal columns: CJK characters take two, so tables of Chinese names line up.
  public var displayWidth: Int {
    unicodeScalars.reduce(0) { width, scalar in
      width + ((0x1100...0x115F).contains(scalar.value) || (0x2E80...0xA4CF).contains(scalar.value)
        || (0xAC00...0xD7A3).contains(scalar.value) || (0xF900...0xFAFF).contains(scalar.value)
        || (0xFE30...0xFE4F).contains(scalar.value) || (0xFF00...0xFF60).contains(scalar.value)
        || (0xFFE0...0xFFE6).contains(scalar.value) ? 2 : 1)
    }
  }
}
