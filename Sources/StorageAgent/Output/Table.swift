import HostFS

/// Aligned columns for people. Every cell is made display-safe here (control characters as
/// `\xNN`: a cell never breaks a row or moves the cursor); names are best passed through
/// RawName.display first, which also shows invalid UTF-8.
struct Table {
    var header: [String]
    var rows: [[String]] = []
    /// Columns aligned right (numbers).
    var rightAligned: Set<Int> = []
    /// Columns that may be shortened in the middle (`pvc-3a60…_observer-logs-pvc`) when the table
    /// is wider than `maxWidth`.
    var shrinkable: Set<Int> = []
    /// The width to fit (a terminal's, `Terminal.stdoutWidth()`); nil: never shorten (piped).
    var maxWidth: Int?
    /// Whether the header line is printed (`--no-headers` turns it off).
    var showHeader = true

    /// A shrinkable column is never made narrower than this (or its header).
    static let minimumWidth = 12

    init(_ header: [String], rightAligned: Set<Int> = []) {
        self.header = header
        self.rightAligned = rightAligned
    }

    mutating func append(_ row: [String]) { rows.append(row.map(RawName.safeLine)) }

    func render() -> String {
        var widths = header.map { showHeader ? $0.count : 0 }
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        if let maxWidth { widths = Self.fitted(widths, into: maxWidth, shrinkable: shrinkable, header: header) }
        var out = ""
        for row in (showHeader ? [header] : []) + rows {
            var line = ""
            for (i, whole) in row.enumerated() {
                let cell = Self.shortened(whole, to: widths[i])
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                let last = i == row.count - 1
                if rightAligned.contains(i) { line += pad + cell } else { line += last ? cell : cell + pad }
                if !last { line += "  " }
            }
            out += line + "\n"
        }
        return out
    }

    /// Column widths that fit `width` (two spaces between columns): the widest shrinkable column
    /// loses a column at a time until the table fits or every shrinkable one is at its minimum.
    static func fitted(_ widths: [Int], into width: Int, shrinkable: Set<Int>, header: [String]) -> [Int] {
        var widths = widths
        var total = widths.reduce(0, +) + 2 * max(0, widths.count - 1)
        let floor = widths.indices.map { max(minimumWidth, $0 < header.count ? header[$0].count : 0) }
        while total > width {
            guard
                let widest = shrinkable.filter({ $0 < widths.count && widths[$0] > floor[$0] })
                    .max(by: { (widths[$0], -$0) < (widths[$1], -$1) })
            else { break }
            widths[widest] -= 1
            total -= 1
        }
        return widths
    }

    /// `text` in at most `width` characters: the start and the (longer) end kept, `…` between.
    static func shortened(_ text: String, to width: Int) -> String {
        guard text.count > width, width > 1 else { return text }
        let keep = width - 1
        let head = keep / 3
        return String(text.prefix(head)) + "…" + String(text.suffix(keep - head))
    }
}
