import HostFS
import Inventory

/// The state of each cell (the rules are on `Coverage`).
extension Coverage {
    func block(
        _ v: VolumeRecord, track: Track, since: String, until: String, now: Int64, sources: CellSources
    ) -> Block {
        let hours = Self.hours(track)
        let first = CivilCalendar.days(fromDate: since) ?? 0
        let last = CivilCalendar.days(fromDate: until) ?? first
        var rows: [Row] = []
        for day in first...max(first, last) {
            let date = CivilCalendar.date(days: day)
            let weekday = CivilCalendar.weekday(days: day)
            let inWindow = track.active == nil || track.isActive(day: day)
            let keys = hours.isEmpty ? [CellKey(date: date, hour: nil)] : hours.map { CellKey(date: date, hour: $0) }
            let cells = keys.map { key in
                cell(key, track: track, day: day, weekday: weekday, inWindow: inWindow, now: now, sources: sources)
            }
            rows.append(Row(date: date, weekday: weekday, inWindow: inWindow, cells: cells))
        }
        Self.markPartial(&rows, columns: max(1, hours.count), hours: hours)
        return Block(volume: v, track: track, hours: hours, rows: rows, since: since, until: until)
    }

    func cell(
        _ key: CellKey, track: Track, day: Int64, weekday: Int, inWindow: Bool, now: Int64, sources: CellSources
    ) -> Cell {
        var c = Cell(date: key.date, hour: key.hour, state: .missing)
        let own = sources.own[key] ?? []
        func take(_ files: [FileRecord]) {
            c.files = files.count
            c.bytes = files.reduce(0) { $0 + $1.size }
            c.paths = files.map(\.pathBytes)
            c.directory = files.first?.volumePath
        }
        let claim = sources.claim ?? "NAMESPACE/NAME"
        let live = own.filter { $0.deletedAt == nil }
        if !live.isEmpty {
            c.state = .present
            take(live)
            return c
        }
        if let copies = sources.rescued[key], !copies.isEmpty {
            c.state = .rescued
            c.files = copies.count
            c.bytes = copies.reduce(0) { $0 + $1.bytes }
            c.paths = copies.map(\.rescuedPath)
            c.detail =
                "only a copy, rescued from a container's writable layer "
                + "(storage-agent rescue restore \(claim))"
            return c
        }
        let stale = sources.stale.flatMap { ($0[key] ?? []).filter { $0.deletedAt == nil } }
        if !stale.isEmpty {
            c.state = .stale
            take(stale)
            let directories = Set(stale.map(\.volumePath)).sorted()
            c.detail =
                "only in the stale directory \(directories.joined(separator: ", ")) of this PVC "
                + "(storage-agent adopt \(claim))"
            return c
        }
        if !own.isEmpty {
            let unexplained = own.filter { f in
                guard let retention = track.retention, let at = f.deletedAt else { return true }
                return at - f.mtimeNs / 1_000_000_000 < retention
            }
            take(own)
            if unexplained.isEmpty {
                c.state = .expired
                c.detail = "removed by the track's retention (\(Self.duration(track.retention ?? 0)))"
            } else {
                c.state = .deleted
                let at = unexplained.compactMap(\.deletedAt).max().map { SystemClock.rfc3339(ns: $0 * 1_000_000_000) }
                c.detail =
                    "deleted\(at.map { " (seen gone \($0))" } ?? "") "
                    + (track.retention.map { "before the track's retention (\(Self.duration($0)))" }
                        ?? "and the track has no retention")
            }
            return c
        }
        if !inWindow {
            c.state = .outside
            c.detail =
                track.holidays.contains(day)
                ? "\(key.date) is a holiday of the track (tracks.\(track.name).holidays)"
                : "\(Self.weekdays[weekday]) is outside the active window (\(track.active?.text ?? "-"))"
            return c
        }
        let end = dueAt(track, day: day, hour: key.hour)
        if now < end {
            c.state = .upcoming
            c.detail = "not due yet: ends \(SystemClock.rfc3339(ns: end * 1_000_000_000))"
            return c
        }
        c.detail = "no file was ever indexed for it"
        return c
    }

    /// When a cell is due (UTC seconds): the end of its hour, or of the window on its day (the
    /// day's end without a window), local to the track's zone.
    func dueAt(_ track: Track, day: Int64, hour: Int?) -> Int64 {
        let windowEnd = track.active?.endMinute ?? 1440
        let minute = hour.map { min(($0 + 1) * 60, windowEnd) } ?? windowEnd
        let local = day * 86400 + Int64(minute) * 60
        let zone = gaps.zones.zone(track)
        return local - Int64(zone.offset(at: local - Int64(zone.offset(at: local))))
    }

    /// Present cells under half the median of their column (at least three present cells).
    static func markPartial(_ rows: inout [Row], columns: Int, hours: [Int]) {
        for column in 0..<columns {
            let present = rows.compactMap { row -> Int64? in
                guard row.cells.indices.contains(column), row.cells[column].state == .present else { return nil }
                return row.cells[column].bytes
            }
            guard present.count >= 3 else { continue }
            let median = present.sorted()[(present.count - 1) / 2]
            for r in rows.indices where rows[r].cells.indices.contains(column) {
                let c = rows[r].cells[column]
                guard c.state == .present, c.bytes * 2 < median else { continue }
                rows[r].cells[column].state = .partial
                let of = hours.indices.contains(column) ? "\(pad2(hours[column])):00" : "the track"
                rows[r].cells[column].detail =
                    "\(Format.size(c.bytes)), under half the median \(Format.size(median)) of \(of) over the range"
            }
        }
    }

    /// `09` for 9.
    package static func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }

    package static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]

    /// `3d`, `12h`, `90m`, `45s`: the largest unit that divides it.
    static func duration(_ seconds: Int64) -> String {
        for (unit, size) in [("w", Int64(7 * 86400)), ("d", 86400), ("h", 3600), ("m", 60)]
        where seconds >= size && seconds % size == 0 {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }
}
