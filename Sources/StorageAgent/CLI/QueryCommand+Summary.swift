import Alerting
import HostFS
import Inventory

/// One line of `query --summary`: one day of one track.
struct SummaryRow {
    var date: String?
    var track: String?
    var files: Int64 = 0
    var bytes: Int64 = 0
    var lines: Int64 = 0
    var firstNs: Int64?
    var lastNs: Int64?
    /// Hours that a file still there fills.
    var filled: Set<Int> = []
    /// The day's hours were checked: an hourly track with an active window, a dated row.
    var checked = false
    var outsideWindow = false
    /// Hours of the window without a file that is still there.
    var missing: [Int] = []

    mutating func add(_ f: FileRecord) {
        files += 1
        bytes += f.size
        lines += f.lines
        firstNs = min(firstNs ?? f.mtimeNs, f.mtimeNs)
        lastNs = max(lastNs ?? f.mtimeNs, f.mtimeNs)
        if f.deletedAt == nil, let h = f.hour { filled.insert(h) }
    }
}

extension QueryCommand {
    /// `--summary`: the matching files per day and track. For an hourly track with an active
    /// window, its days of the range that have no file at all get a line too (every hour missing);
    /// a range without an end ends with the track's last finished window.
    func printSummary(_ files: [FileRecord], context: Context, dates: QueryDates, zones: RowZones) throws {
        struct Key: Hashable {
            var date: String?
            var track: String?
        }
        var rows: [Key: SummaryRow] = [:]
        for f in files {
            rows[Key(date: f.date, track: f.track), default: SummaryRow(date: f.date, track: f.track)].add(f)
        }
        let now = SystemClock.nowNs() / 1_000_000_000
        let hourly = context.config.tracks.filter { t in
            t.hourly && t.active != nil && (t.name == track || (track == nil && files.contains { $0.track == t.name }))
        }
        for t in hourly {
            guard t.active != nil, let since = dates.single ?? dates.since,
                let until = dates.single ?? dates.until ?? context.config.gaps.lastFinishedDate(t, now: now)
            else { continue }
            guard let days = QueryDates.days(from: since, through: until) else {
                throw AgentError(
                    .usage,
                    "--summary over \(since)..\(until) spans more than \(QueryDates.maximumDays) days; give a shorter range"
                )
            }
            for d in days
            where CivilCalendar.days(fromDate: d).map({ t.isActive(day: $0) }) == true {
                let key = Key(date: d, track: t.name)
                if rows[key] == nil { rows[key] = SummaryRow(date: d, track: t.name) }
            }
        }
        var out = Array(rows.values)
        for i in out.indices {
            guard let date = out[i].date, let day = CivilCalendar.days(fromDate: date),
                let t = context.config.tracks.first(where: { $0.name == out[i].track }), t.hourly, let window = t.active
            else { continue }
            out[i].checked = true
            if t.isActive(day: day) {
                out[i].missing = CivilCalendar.hours(window).filter { !out[i].filled.contains($0) }
            } else {
                out[i].outsideWindow = true
            }
        }
        // Undated rows and rows without a track last.
        out.sort { a, b in (a.date ?? "~", a.track ?? "~") < (b.date ?? "~", b.track ?? "~") }
        if mode == .json {
            Output.out(
                JSONWriter.lines(out) { w, row in Self.summaryJSON(&w, row, zone: zones.zone(track: row.track)) })
        } else {
            Output.out(Self.summaryTable(out, zones: zones, headers: !noHeaders, width: Terminal.stdoutWidth()))
        }
        if out.isEmpty { throw AgentError(.failed, "no indexed files match") }
    }

    static func summaryJSON(_ w: inout JSONWriter, _ row: SummaryRow, zone: ShownZone) {
        w.object { w in
            w.field("date", row.date)
            w.field("track", row.track)
            w.field("files", row.files)
            w.field("bytes", row.bytes)
            w.field("lines", row.lines)
            w.field("first_write", row.firstNs.map(SystemClock.rfc3339(ns:)))
            w.field("last_write", row.lastNs.map(SystemClock.rfc3339(ns:)))
            w.field("timezone", zone.name)
            w.field("hourly", row.checked)
            w.field("missing", row.missing)
            w.field("outside_window", row.outsideWindow)
        }
    }

    /// DATE TRACK FILES SIZE LINES FIRST-WRITE LAST-WRITE MISSING. A write on the row's own day
    /// (in the row's zone) shows as its time of day; on another day, with its date.
    static func summaryTable(_ rows: [SummaryRow], zones: RowZones, headers: Bool, width: Int?) -> String {
        let first = zones.header("FIRST-WRITE", tracks: rows.map(\.track))
        let header =
            ["DATE", "TRACK", "FILES", "SIZE", "LINES"] + (first == nil ? ["ZONE"] : [])
            + [first ?? "FIRST-WRITE", "LAST-WRITE", "MISSING"]
        var table = Table(header, rightAligned: [2, 3, 4])
        table.shrinkable = [header.count - 1]
        table.maxWidth = width
        table.showHeader = headers
        for row in rows {
            let zone = zones.zone(track: row.track)
            func time(_ ns: Int64?) -> String {
                guard let ns else { return "-" }
                let full = zone.time(ns: ns)
                return zone.date(ns: ns) == row.date ? String(full.suffix(8)) : full
            }
            let missing =
                !row.checked
                ? "-" : row.outsideWindow ? "outside window" : row.missing.isEmpty ? "none" : hours(row.missing)
            table.append(
                [
                    row.date ?? "-", row.track ?? "-", Format.count(row.files), Format.size(row.bytes),
                    Format.count(row.lines),
                ]
                    + (first == nil ? [zone.name] : []) + [time(row.firstNs), time(row.lastNs), missing])
        }
        return table.render()
    }
}
