import Alerting
import ArgumentParser
import HostFS
import Inventory

struct CoverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coverage",
        abstract: "Show what exists of each track: days by hours, present, partial, deleted, rescued, stale, missing.",
        discussion: """
            An hourly track (scalp) is a grid per PVC: a row per day, a column per hour of its active \
            window, in the track's time zone. Any other track is one row of days. Default range: the 7 \
            days ending with the track's last finished window.

            Cells (plain characters; colour blocks on a terminal): # present, + partial (under half \
            the median size of that hour's present files over the range, with at least three of \
            them), r rescued (only a copy in the rescue area), s stale (only in a stale directory of \
            the PVC), x deleted (indexed, gone, not by retention), ~ expired (removed by the track's \
            retention), . missing, - outside the window (a weekend, or a day of the track's \
            holidays), _ not due yet.

            Exit status: 0 when no cell of the range is missing, deleted, stale or rescued; 1 when \
            one is, or when no volume holds files of the track; 64 for a bad option (an unknown \
            track lists the known ones).

            Example: storage-agent coverage --track scalp --since 20260202 --until 20260206
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only this track (default: every track some volume holds dated files of).")
    var track: String?

    @Option(
        help: ArgumentHelp(
            "Only this PVC (its current directory); NAME alone when only one namespace has it.", valueName: "ns/name"))
    var pvc: String?

    @Option(
        help: ArgumentHelp(
            "Only one volume directory, by its PV name (the PV column of 'pvc list'), whatever its state.",
            valueName: "pv"))
    var pv: String?

    @Option(help: ArgumentHelp("First day, in the track's time zone.", valueName: "YYYYMMDD"))
    var since: String?

    @Option(help: ArgumentHelp("Last day, included (default: the last finished window).", valueName: "YYYYMMDD"))
    var until: String?

    @Option(help: ArgumentHelp("Colour the grid: auto (a terminal, unless NO_COLOR is set), always, never."))
    var color: ColorMode = .auto

    @Flag(help: "Scan before answering.")
    var refresh = false

    @Flag(
        help:
            "Print a JSON array, one object per cell (keys: namespace pvc pv path volume_state track date hour state files bytes detail paths)."
    )
    var json = false

    /// The longest range drawn, in days.
    static let maximumDays: Int64 = 366

    func validate() throws {
        for (option, value) in [("--since", since), ("--until", until)] {
            guard let value else { continue }
            guard value.count == 8, value.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw ValidationError("\(option) \(QueryCommand.shown(value)): use YYYYMMDD, e.g. 20260203")
            }
            guard CivilCalendar.days(fromDate: value).map(CivilCalendar.date(days:)) == value else {
                throw ValidationError("\(option) \(value) is not a calendar date; use YYYYMMDD, e.g. 20260203")
            }
        }
        if let since, let until, let from = CivilCalendar.days(fromDate: since),
            let to = CivilCalendar.days(fromDate: until)
        {
            guard from <= to else { throw ValidationError("--since \(since) is after --until \(until)") }
            guard to - from < Self.maximumDays else {
                throw ValidationError("--since \(since) --until \(until) spans more than \(Self.maximumDays) days")
            }
        }
        if let pvc {
            let parts = pvc.split(separator: "/", omittingEmptySubsequences: false)
            guard (parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty) || (parts.count == 1 && !pvc.isEmpty)
            else {
                throw ValidationError(
                    "--pvc \(QueryCommand.shown(pvc)): use NAMESPACE/NAME (or NAME alone), e.g. observer-prod/observer-data-pvc"
                )
            }
        }
        if let pv, pv.isEmpty { throw ValidationError("--pv needs a PV name, as in the PV column of 'pvc list'") }
    }

    func run() throws {
        let context = try Context(global, readingIndex: true)
        let tracks = try chosenTracks(context.config)
        let inventory = try context.inventoryForReading(refresh: refresh)
        let coverage = Coverage(context.config.gaps)
        let now = SystemClock.nowNs() / 1_000_000_000
        var blocks: [Coverage.Block] = []
        do {
            let volumes = try inventory.volumes()
            let select = try QueryCommand.selection(
                volumes, claim: try QueryCommand.claim(pvc, in: volumes), pv: pv, verb: "draw")
            let copies = Self.copies(try inventory.rescued(), config: context.config)
            for t in tracks {
                let range = coverage.range(t, since: since, until: until, now: now)
                blocks += try coverage.blocks(
                    inventory, track: t, since: range.since, until: range.until, now: now, select: select,
                    copies: copies)
            }
        } catch let error as InventoryError {
            throw AgentError(error)
        }
        guard !blocks.isEmpty else {
            let which = track.map { "track \(QueryCommand.shown($0))" } ?? "any track"
            throw AgentError(.failed, "no volume holds dated files of \(which); see 'storage-agent query'")
        }
        if json {
            Output.out(Self.json(blocks))
        } else {
            Output.out(CoverageGrid(color: color.enabled).render(blocks))
        }
        let lacking = blocks.flatMap(\.cells).filter(\.state.isLack)
        if !lacking.isEmpty {
            let counts = Coverage.State.allCases.filter(\.isLack).compactMap { state -> String? in
                let n = lacking.filter { $0.state == state }.count
                return n == 0 ? nil : "\(n) \(state.rawValue)"
            }
            throw AgentError(.failed, "cells the PVCs lack: \(counts.joined(separator: ", "))")
        }
    }

    /// The tracks asked for; an unknown name is a usage error that lists the known ones.
    func chosenTracks(_ config: Config) throws(AgentError) -> [Track] {
        guard let track else { return config.tracks }
        guard let t = config.track(track) else {
            throw AgentError(
                .usage,
                "unknown track \(QueryCommand.shown(track)); known tracks: "
                    + config.tracks.map(\.name).joined(separator: ", "))
        }
        return [t]
    }

    /// Rescued copies as files of the PVCs they were meant for: a copy from a container of a
    /// configured volume's namespace, under its `mount:` (as `rescue restore` places them).
    /// Of several generations of one source, the newest.
    static func copies(_ rescued: [RescuedRecord], config: Config) -> [Coverage.Copy] {
        var newest: [String: RescuedRecord] = [:]
        for r in rescued {
            let key = r.snapshots + "\u{0}" + r.snapshot + "\u{0}" + RawName.decoded(r.containerPath)
            if let seen = newest[key], seen.generation >= r.generation { continue }
            newest[key] = r
        }
        var out: [Coverage.Copy] = []
        for r in newest.values.sorted(by: { RawName.precedes($0.rescuedPath, $1.rescuedPath) }) {
            for v in config.volumes where v.namespace == r.namespace {
                guard let mount = v.mount else { continue }
                let prefix = RescueSelection.prefix(mount)
                guard r.containerPath.starts(with: prefix) else { continue }
                out.append(
                    Coverage.Copy(
                        claim: v.claim, relative: Array(r.containerPath.dropFirst(prefix.count)),
                        rescuedPath: r.rescuedPath, bytes: r.bytes))
            }
        }
        return out
    }

    static func json(_ blocks: [Coverage.Block]) -> [UInt8] {
        let cells = blocks.flatMap { b in b.cells.map { (b, $0) } }
        return JSONWriter.lines(cells) { w, item in
            let (b, c) = item
            w.object { w in
                w.field("namespace", b.volume.namespace)
                w.field("pvc", b.volume.pvc)
                w.field("pv", b.volume.pv)
                w.field("path", b.volume.path)
                w.field("volume_state", b.volume.state.rawValue)
                w.field("track", b.track.name)
                w.field("date", c.date)
                w.field("hour", c.hour)
                w.field("state", c.state.rawValue)
                w.field("files", c.files)
                w.field("bytes", c.bytes)
                w.field("detail", c.detail)
                w.field("paths", c.paths.map { RawName.decoded($0) })
            }
        }
    }
}
