import Alerting
import ArgumentParser
import HostFS
import Inventory

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "List indexed files by track, date, PVC or kind.",
        discussion: """
            Reads the index; scans first when there is no index yet, or with --refresh.
            Example: storage-agent query --track scalp --date 20260203
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only files of this track (scalp, swing, system, ...).")
    var track: String?

    @Option(help: ArgumentHelp("Only files whose name carries this date.", valueName: "YYYYMMDD"))
    var date: String?

    @Option(
        help: ArgumentHelp(
            "Only files of this PVC; NAME alone when only one namespace has it.", valueName: "ns/name"))
    var pvc: String?

    @Option(
        help: ArgumentHelp(
            "Only files of one volume directory, by its PV name (the PV column of 'pvc list').", valueName: "pv"))
    var pv: String?

    @Option(help: ArgumentHelp("Only this kind of file (with --gaps too).", valueName: "jsonl|log"))
    var kind: String?

    @Flag(help: "Include files that were deleted (kept in the index as evidence).")
    var includeDeleted = false

    @Flag(help: "Scan before answering.")
    var refresh = false

    @Flag(
        help: """
            For hourly tracks (scalp), list the hours of the active window of --date (default: the last \
            finished one, in the track's time zone) that have no file, or whose files were deleted.
            """)
    var gaps = false

    @Flag(
        help:
            "Print a JSON array (keys: path namespace pvc pv track date hour kind size lines mtime uid gid deleted volume_state)."
    )
    var json = false

    func validate() throws {
        if let date, date.count != 8 || !date.allSatisfy({ $0.isASCII && $0.isNumber }) {
            throw ValidationError("--date \(Self.shown(date)): use YYYYMMDD, e.g. 20260203")
        }
        if let date, gaps, CivilCalendar.days(fromDate: date).map(CivilCalendar.date(days:)) != date {
            throw ValidationError("--date \(date) is not a calendar date")
        }
        if let pvc {
            let parts = pvc.split(separator: "/", omittingEmptySubsequences: false)
            guard (parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty) || (parts.count == 1 && !pvc.isEmpty)
            else {
                throw ValidationError(
                    "--pvc \(Self.shown(pvc)): use NAMESPACE/NAME (or NAME alone), e.g. observer-prod/observer-data-pvc"
                )
            }
        }
        if let pv, pv.isEmpty { throw ValidationError("--pv needs a PV name, as in the PV column of 'pvc list'") }
    }

    func run() throws {
        let context = try Context(global, readingIndex: true)
        let inventory = try context.inventoryForReading(refresh: refresh)
        let volumes: [VolumeRecord]
        do { volumes = try inventory.volumes(includeGone: includeDeleted && !gaps) } catch { throw AgentError(error) }
        let claim = try Self.claim(pvc, in: volumes)
        if let pv, !volumes.contains(where: { $0.pv == pv }) {
            throw AgentError(
                .failed, "no volume directory with PV \(Self.shown(pv)) in the index; see 'storage-agent pvc list'")
        }
        if gaps { return try printGaps(context, inventory, volumes: volumes, claim: claim) }
        let filter = FileFilter(
            track: track, date: date, namespace: claim?.namespace, pvc: claim?.name, pv: pv, kind: kind,
            includeDeleted: includeDeleted)
        if json {
            let rows: FileRows
            do { rows = try inventory.fileRows(filter) } catch { throw AgentError(error) }
            Self.printJSON(rows)
            if rows.rows.isEmpty { throw AgentError(.failed, "no indexed files match") }
            return
        }
        let files: [FileRecord]
        do { files = try inventory.files(filter) } catch { throw AgentError(error) }
        Output.out(Self.table(files))
        if files.isEmpty { throw AgentError(.failed, "no indexed files match") }
    }

    /// `--pvc` as a namespace and a name. NAME alone takes its namespace from the index's volumes
    /// of that name (none: nothing matches); several namespaces are a usage error that lists them.
    static func claim(_ pvc: String?, in volumes: [VolumeRecord]) throws(AgentError) -> (
        namespace: String?, name: String
    )? {
        guard let pvc else { return nil }
        let parts = pvc.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 2 { return (parts[0], parts[1]) }
        let namespaces = Set(volumes.filter { $0.pvc == pvc }.compactMap(\.namespace)).sorted()
        guard namespaces.count <= 1 else {
            let candidates = namespaces.map { shown($0 + "/" + pvc) }.joined(separator: ", ")
            throw AgentError(
                .usage, "--pvc \(shown(pvc)) names several PVCs: \(candidates); use --pvc NAMESPACE/NAME")
        }
        return (namespaces.first, pvc)
    }

    /// A string from the command line or the index, safe for a terminal.
    static func shown(_ s: String) -> String { RawName.display(Array(s.utf8)) }

    static func json(_ w: inout JSONWriter, _ f: FileRecord) {
        w.object { w in
            w.field("path", rawName: f.pathBytes)
            w.field("namespace", f.namespace)
            w.field("pvc", f.pvc)
            w.field("pv", f.pv)
            w.field("track", f.track)
            w.field("date", f.date)
            w.field("hour", f.hour)
            w.field("kind", f.kind)
            w.field("size", f.size)
            w.field("lines", f.lines)
            w.field("mtime", rfc3339: f.mtimeNs)
            w.field("uid", f.uid)
            w.field("gid", f.gid)
            w.field("deleted", f.deletedAt != nil)
            w.field("volume_state", f.volumeState.rawValue)
        }
    }

    /// One row per file, then a totals line. A STATE column (the volume's state) appears when
    /// some row's volume is not current, so a stale directory's files never pass as the live PVC's.
    static func table(_ files: [FileRecord]) -> String {
        let showState = files.contains { $0.volumeState != .current }
        var table = Table(
            ["MODIFIED", "SIZE", "LINES", "TRACK", "PVC"] + (showState ? ["STATE"] : []) + ["PATH"],
            rightAligned: [1, 2])
        var bytes: Int64 = 0
        var lines: Int64 = 0
        for f in files {
            bytes += f.size
            lines += f.lines
            let path = RawName.display(f.pathBytes) + (f.deletedAt != nil ? "  (deleted)" : "")
            let pvc = f.namespace.map { "\($0)/\(f.pvc ?? "-")" } ?? (f.pv ?? "-")
            table.append(
                [
                    SystemClock.local(ns: f.mtimeNs), Format.size(f.size), Format.count(f.lines), f.track ?? "-",
                    shown(pvc),
                ] + (showState ? [f.volumeState.rawValue] : []) + [path])
        }
        return table.render()
            + "\(Format.count(Int64(files.count))) file\(files.count == 1 ? "" : "s"), \(Format.size(bytes)), \(Format.count(lines)) lines\n"
    }

    /// `--gaps`: per hourly track, its day (`--date`, or the last finished window), then one line
    /// per checked volume with empty hours: `missing` (no file ever) and `deleted` (every file of
    /// the hour went), and the hours only a stale directory of the PVC has files for. A day the
    /// window does not cover says so. JSON: one row per volume with gaps, and one row with
    /// `outside_window: true` (null namespace, pvc and path) for a day outside the window.
    func printGaps(
        _ context: Context, _ inventory: Inventory, volumes: [VolumeRecord], claim: (namespace: String?, name: String)?
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
        let select = try gapSelection(volumes, claim: claim)
        let finder = context.config.gaps
        let now = SystemClock.nowNs() / 1_000_000_000
        var days: [Gaps.Day] = []
        for t in tracks {
            let day: Gaps.Day?
            do { day = try finder.day(inventory, track: t, date: date, now: now, kind: kind, select: select) } catch {
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
        if json {
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

    /// The volumes `--pvc` and `--pv` choose for `--gaps`: a PVC is checked in its current
    /// directory; `--pv` checks that one directory, whatever its state.
    func gapSelection(
        _ volumes: [VolumeRecord], claim: (namespace: String?, name: String)?
    ) throws(AgentError) -> Gaps.Selection {
        guard claim != nil || pv != nil else { return .holdingTrack }
        let chosen = volumes.filter { v in
            (claim.map { v.pvc == $0.name && v.namespace == $0.namespace } ?? true) && (pv.map { v.pv == $0 } ?? true)
        }
        let name = Self.shown(claim.map { ($0.namespace.map { $0 + "/" } ?? "") + $0.name } ?? "")
        if let pv {
            guard !chosen.isEmpty else {
                throw AgentError(
                    .failed, "PV \(Self.shown(pv)) is not a directory of PVC \(name); see 'storage-agent pvc list'")
            }
            return .volumes(Set(chosen.map(\.id)))
        }
        let current = chosen.filter { $0.state == .current || $0.state == .unknown }
        guard current.isEmpty else { return .volumes(Set(current.map(\.id))) }
        guard chosen.isEmpty else {
            let paths = chosen.map { Self.shown($0.path) + " (" + $0.state.rawValue + ")" }.joined(separator: ", ")
            throw AgentError(
                .failed,
                "PVC \(name) has no current directory; its files are only in \(paths); pass --pv PV to check one")
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
