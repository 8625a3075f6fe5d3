import HostFS

/// Aligned columns for people. Every cell is made display-safe here (control characters as
/// `\xNN`: a cell never breaks a row or moves the cursor); names are best passed through
/// RawName.display first, which also shows invalid UTF-8.
struct Table {
    var header: [String]
    var rows: [[String]] = []
    /// Columns aligned right (numbers).
    var rightAligned: Set<Int> = []

    init(_ header: [String], rightAligned: Set<Int> = []) {
        self.header = header
        self.rightAligned = rightAligned
    }

    mutating func append(_ row: [String]) { rows.append(row.map(RawName.safeLine)) }

    func render() -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        var out = ""
        for row in [header] + rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                let last = i == row.count - 1
                if rightAligned.contains(i) { line += pad + cell } else { line += last ? cell : cell + pad }
                if !last { line += "  " }
            }
            out += line + "\n"
        }
        return out
    }
}
