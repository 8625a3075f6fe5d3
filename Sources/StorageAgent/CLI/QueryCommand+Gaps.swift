import Alerting
import HostFS
import Inventory

extension QueryCommand {
    /// `--gaps`: per hourly track, its day (`--date`, or the last finished window) or each day of a
    /// range (`--date A..B`, `--since` through `--until` or the last finished window), then one line
    /// per checked volume with empty hours: `missing` (no file ever) and `deleted` (every file of
    /// the hour went), and the hours only a stale directory of the PVC has files for. A day the
    /// window does not cover says so. JSON: one row per volume with gaps, and one row with
    /// `outside_window: true` (null namespace, pvc and path) for a day outside the window.
    func printGaps(
        _ context: Context, _ inventory: Inventory, volumes: [VolumeRecord], claim: (namespace: String?, name: String)?,
        dates: QueryDates
    ) throws {
        let tracks = context.config.tracks.filter {
            $0.hourly && $0.active != nil && (track == nil || $0.name == track)
        }
        guard !tracks.isEmpty else {
            throw AgentError(
                .usage,
                "no hourly track\(track.map { " named \(Self.shown($0))" } ?? "") with an active window in the configuration"
            )
        }
        let select = try Self.selection(volumes, claim: claim, pv: pv, verb: "check")
        let finder = context.config.gaps
        let now = SystemClock.nowNs() / 1_000_000_000
        var days: [Gaps.Day] = []
        for t in tracks {
            for date in try Self.gapDates(dates, track: t, finder: finder, now: now) {
                let day: Gaps.Day?
                do { day = try finder.day(inventory, track: t, date: date, now: now, kind: kind, select: select) } catch
                {
                    throw AgentError(error)
                }
                guard let day else { continue }
                if day.dateFromClock {
                    Output.err(
                        "storage-agent: \(t.name): \(day.date), the last finished active window "
                            + "(\(Self.window(t))); pass --date for another day\n")
                }
                days.append(day)
            }
        }
        if mode == .json {
            var rows: [(Gaps.Day, Gaps.Gap?)] = []
            for day in days {
                if day.outsideWindow { rows.append((day, nil)) } else { rows += day.gaps.map { (day, $0) } }
            }
            Output.out(JSONWriter.lines(rows) { w, row in Self.gapJSON(&w, day: row.0, gap: row.1) })
            return
        }
        for day in days {
            Output.out(Self.gapLines(day, kind: kind))
        }
    }

    /// The days `--gaps` checks for a track: nil (the last finished window), `--date`, or each day
    /// of the range; a range without `--until` ends with the last finished window.
    static func gapDates(_ dates: QueryDates, track: Track, finder: Gaps, now: Int64) throws(AgentError) -> [String?] {
        if dates.isEmpty { return [nil] }
        if let single = dates.single { return [single] }
        guard let since = dates.since else {
            throw AgentError(.usage, "--gaps with --until needs a first day: add --since D, or use --date A..B")
        }
        guard let until = dates.until ?? finder.lastFinishedDate(track, now: now) else { return [since] }
        guard let days = QueryDates.days(from: since, through: until) else {
            throw AgentError(
                .usage,
                "--gaps over \(since)..\(until) spans more than \(QueryDates.maximumDays) days; give a shorter range")
        }
        return days
    }

    /// The volumes `--pvc` and `--pv` choose for `--gaps` and `coverage`: a PVC is checked in its
    /// current directory; `--pv` checks that one directory, whatever its state. `verb` is what
    /// the command does with a directory, for the hint ("check", "draw").
    static func selection(
        _ volumes: [VolumeRecord], claim: (namespace: String?, name: String)?, pv: String?, verb: String
    ) throws(AgentError) -> Gaps.Selection {
        guard claim != nil || pv != nil else { return .holdingTrack }
        let chosen = volumes.filter { v in
            (claim.map { v.pvc == $0.name && v.namespace == $0.namespace } ?? true) && (pv.map { v.pv == $0 } ?? true)
        }
        let name = shown(claim.map { ($0.namespace.map { $0 + "/" } ?? "") + $0.name } ?? "")
        if let pv {
            guard !chosen.isEmpty else {
                throw AgentError(
                    .failed, "PV \(shown(pv)) is not a directory of PVC \(name); see 'storage-agent pvc list'")
            }
            return .volumes(Set(chosen.map(\.id)))
        }
        let current = chosen.filter { $0.state == .current || $0.state == .unknown }
        guard current.isEmpty else { return .volumes(Set(current.map(\.id))) }
        guard chosen.isEmpty else {
            let paths = chosen.map { shown($0.path) + " (" + $0.state.rawValue + ")" }.joined(separator: ", ")
            throw AgentError(
                .failed,
                "PVC \(name) has no current directory; its files are only in \(paths); pass --pv PV to \(verb) one")
        }
        throw AgentError(.failed, "no volume directory for PVC \(name) in the index; see 'storage-agent pvc list'")
    }

    static func gapJSON(_ w: inout JSONWriter, day: Gaps.Day, gap: Gaps.Gap?) {
        w.object { w in
            w.field("namespace", gap?.volume.namespace)
            w.field("pvc", gap?.volume.pvc)
            w.field("path", gap?.volume.path)
            w.field("track", day.track.name)
            w.field("date", day.date)
            w.field("missing", gap?.missing ?? [])
            w.field("deleted", gap?.deleted ?? [])
            w.field("outside_window", day.outsideWindow)
            w.field("volume_state", gap?.volume.state.rawValue)
            w.field("stale_only", gap?.staleOnly ?? [])
            w.field("stale_paths", gap?.stalePaths ?? [])
        }
    }

    static func gapLines(_ day: Gaps.Day, kind: String?) -> String {
        let name = day.track.name
        if day.holiday {
            return "\(day.date) is a holiday of \(name) (tracks.\(name).holidays): no hours to check\n"
        }
        if day.outsideWindow {
            return "\(day.date) is outside \(name)'s active window (\(window(day.track))): no hours to check\n"
        }
        if day.checked.isEmpty {
            let files = kind.map { "hourly \(name) \(shown($0)) files" } ?? "hourly \(name) files"
            return "no volume holds \(files); nothing to check on \(day.date)\n"
        }
        if day.gaps.isEmpty { return "no gaps on \(day.date) for \(name)\n" }
        var out = ""
        for g in day.gaps {
            var volume = shown(g.volume.claim ?? g.volume.path)
            if g.volume.state != .current && g.volume.state != .unknown { volume += " (\(g.volume.state.rawValue))" }
            var line = "\(volume)  \(name)  \(g.date)"
            if !g.missing.isEmpty { line += "  missing \(hours(g.missing))" }
            if !g.deleted.isEmpty { line += "  deleted \(hours(g.deleted))" }
            out += line + "\n"
            if !g.staleOnly.isEmpty {
                out +=
                    "  files for \(hours(g.staleOnly)) are only in stale "
                    + g.stalePaths.map(shown).joined(separator: ", ") + "\n"
            }
        }
        return out
    }

    static func hours(_ hours: [Int]) -> String { hours.map { format2($0) + ":00" }.joined(separator: ", ") }

    static func window(_ track: Track) -> String { "\(track.active?.text ?? "-") \(track.timezone ?? "UTC")" }
}

private func format2(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
