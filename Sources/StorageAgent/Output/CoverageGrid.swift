import Alerting
import HostFS

/// The `coverage` picture for people: per volume and track a header line, the grid (a row per
/// day, a column per hour; a daily track is one row of days), the counts, a line for each cell
/// that needs explaining, and the legend once at the end. Plain: one character per cell. Colour:
/// a two-column block per cell in the state's colour. Everything from the index is escaped.
struct CoverageGrid {
    var color: Bool

    /// Most explanation lines per block; the rest are counted (`--json` has them all).
    static let maximumNotes = 12

    func render(_ blocks: [Coverage.Block]) -> String {
        var out = ""
        for (i, b) in blocks.enumerated() {
            if i > 0 { out += "\n" }
            out += header(b) + "\n"
            out += b.hours.isEmpty ? daily(b) : hourly(b)
            out += "  " + counts(b) + "\n"
            out += notes(b)
        }
        return out + "\n" + legend() + "\n"
    }

    func header(_ b: Coverage.Block) -> String {
        var name = QueryCommand.shown(b.volume.claim ?? b.volume.path)
        if b.volume.state != .current && b.volume.state != .unknown { name += " (\(b.volume.state.rawValue))" }
        let window = b.track.active?.text ?? "every day"
        let kind = b.hours.isEmpty ? "daily" : "hourly"
        return "\(name)  \(b.track.name)  \(b.since)..\(b.until)  \(kind), \(window) \(b.track.timezone ?? "UTC")"
    }

    func hourly(_ b: Coverage.Block) -> String {
        var out = String(repeating: " ", count: 14) + b.hours.map(Coverage.pad2).joined(separator: " ") + "\n"
        for row in b.rows {
            out += "\(Coverage.weekdays[row.weekday]) \(row.date)  " + row.cells.map(cell).joined() + "\n"
        }
        return out.split(separator: "\n", omittingEmptySubsequences: false).map(trimmed).joined(separator: "\n")
    }

    func daily(_ b: Coverage.Block) -> String {
        let initials = b.rows.map { String(Coverage.weekdays[$0.weekday].prefix(2)) + " " }.joined()
        let days = b.rows.map { String($0.date.suffix(2)) + " " }.joined()
        let cells = b.rows.flatMap(\.cells).map(cell).joined()
        return [initials, days, cells].map { trimmed("  " + $0) + "\n" }.joined()
    }

    /// One cell, three columns wide (under a two-digit label and its space).
    func cell(_ c: Coverage.Cell) -> String {
        let style = Self.style(c.state)
        return color ? ANSI.paint(style.block, style.sgr) + " " : String(style.plain) + "  "
    }

    func counts(_ b: Coverage.Block) -> String {
        let cells = b.cells
        let parts = Coverage.State.allCases.compactMap { state -> String? in
            let n = cells.filter { $0.state == state }.count
            return n == 0 ? nil : "\(n) \(Self.style(state).name)"
        }
        let unit = b.hours.isEmpty ? "day" : "hour"
        return "\(cells.count) \(unit)\(cells.count == 1 ? "" : "s"): " + parts.joined(separator: ", ")
    }

    /// A line for each partial, rescued, stale, deleted and expired cell: when, what, where, why.
    func notes(_ b: Coverage.Block) -> String {
        let explained: Set<Coverage.State> = [.partial, .rescued, .stale, .deleted, .expired]
        let cells = b.rows.flatMap { row in row.cells.map { (row, $0) } }.filter { explained.contains($0.1.state) }
        var out = ""
        for (row, c) in cells.prefix(Self.maximumNotes) {
            let when = "\(Coverage.weekdays[row.weekday]) \(c.date)" + (c.hour.map { " \(Coverage.pad2($0)):00" } ?? "")
            var line = "  \(when)  \(c.state.rawValue)"
            if let first = c.paths.first {
                line += "  " + shownPath(first, volume: c.directory)
                if c.paths.count > 1 { line += " (+\(c.paths.count - 1) more)" }
            }
            if let detail = c.detail { line += ": " + RawName.safeLine(detail) }
            out += line + "\n"
        }
        if cells.count > Self.maximumNotes {
            out += "  ... and \(cells.count - Self.maximumNotes) more; --json lists every cell\n"
        }
        return out
    }

    /// A file relative to the volume directory it is in (the detail names a stale one), a
    /// rescued copy whole.
    func shownPath(_ path: [UInt8], volume: String?) -> String {
        guard let volume else { return RawName.display(path) }
        let prefix = Array(volume.utf8) + [0x2F]
        return RawName.display(path.starts(with: prefix) ? Array(path.dropFirst(prefix.count)) : path)
    }

    func legend() -> String {
        Coverage.State.allCases.map { state in
            let s = Self.style(state)
            return (color ? ANSI.paint(s.block, s.sgr) : String(s.plain)) + " " + s.name
        }.joined(separator: "  ")
    }

    struct Style {
        var plain: Character
        var block: String
        var sgr: String
        var name: String
    }

    static func style(_ state: Coverage.State) -> Style {
        switch state {
        case .present: return Style(plain: "#", block: "\u{2588}\u{2588}", sgr: "32", name: "present")
        case .partial: return Style(plain: "+", block: "\u{2584}\u{2584}", sgr: "33", name: "partial")
        case .rescued: return Style(plain: "r", block: "\u{2588}\u{2588}", sgr: "35", name: "rescued")
        case .stale: return Style(plain: "s", block: "\u{2588}\u{2588}", sgr: "36", name: "stale")
        case .deleted: return Style(plain: "x", block: "\u{2592}\u{2592}", sgr: "31", name: "deleted")
        case .expired: return Style(plain: "~", block: "\u{2591}\u{2591}", sgr: "34", name: "expired")
        case .missing: return Style(plain: ".", block: "\u{00B7}\u{00B7}", sgr: "1;31", name: "missing")
        case .outside: return Style(plain: "-", block: "--", sgr: "2", name: "outside the window")
        case .upcoming: return Style(plain: "_", block: "__", sgr: "2", name: "not due yet")
        }
    }

    private func trimmed<S: StringProtocol>(_ line: S) -> String {
        var s = String(line)
        while s.last == " " { s.removeLast() }
        return s
    }
}
