import Alerting
import ArgumentParser
import HostFS
import Inventory

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "List indexed files by track, date, PVC or kind.",
        discussion: HelpText.paragraphs(
            """
            Reads the index; scans first when there is no index yet, or with --refresh.
            Examples:
              storage-agent query --track scalp --date 20260203
              storage-agent query --track scalp --since 20260202 --summary
              storage-agent query --pvc observer-data-pvc --date 20260202..20260206 --sort time -o wide
            """)
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only files of this track (scalp, swing, system, ...).", completion: Completions.tracks)
    var track: String?

    @Option(
        help: ArgumentHelp(
            "Only files whose name carries this date, or a date from A through B.", valueName: "YYYYMMDD|A..B"))
    var date: String?

    @Option(help: ArgumentHelp("Only files dated this day or later.", valueName: "YYYYMMDD"))
    var since: String?

    @Option(help: ArgumentHelp("Only files dated this day or earlier.", valueName: "YYYYMMDD"))
    var until: String?

    @Option(
        help: ArgumentHelp(
            "Only files of this PVC; NAME alone when only one namespace has it.", valueName: "ns/name"),
        completion: Completions.pvcs)
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
            finished one, in the track's time zone) that have no file, or whose files were deleted; \
            over a range (--date A..B, --since, --until), one block per day.
            """)
    var gaps = false

    @Flag(
        help:
            "Print a JSON array (keys: path namespace pvc pv track date hour kind size lines mtime uid gid deleted volume_state)."
    )
    var json = false

    @Option(
        name: [.customShort("o"), .customLong("output")],
        help: ArgumentHelp(
            "table: the path inside the volume and the PVC; wide: also the PV and the host path; json: as --json.",
            valueName: "table|wide|json"))
    var output: QueryOutput?

    @Option(help: ArgumentHelp("Row order: host path, time (by mtime within PVC and track), or size (largest first)."))
    var sort: QuerySort = .path

    @Flag(help: "No header line and no totals line (for scripts).")
    var noHeaders = false

    @Flag(
        help: """
            One line per day and track: files, bytes, lines, first and last write, and for hourly tracks \
            the hours of the active window without a file.
            """)
    var summary = false

    @Flag(help: "Show times in UTC, not in the track's (or the node's) time zone.")
    var utc = false

    /// `-o`, with `--json` as `-o json`.
    var mode: QueryOutput { json ? .json : output ?? .table }

    func validate() throws {
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

    /// The options that must agree, checked in `run` so that each problem is one line (64).
    func checkOptions() throws(AgentError) -> QueryDates {
        if json, let output, output != .json {
            throw AgentError(.usage, "--json and -o \(output.rawValue) disagree; give one of them")
        }
        if gaps && summary { throw AgentError(.usage, "--gaps and --summary are two views; give one of them") }
        return try QueryDates(date: date, since: since, until: until)
    }

    func run() throws {
        let dates = try checkOptions()
        let context = try Context(global, readingIndex: true)
        try Self.checkTrack(track, known: context.config.tracks)
        let inventory = try context.inventoryForReading(refresh: refresh)
        let volumes: [VolumeRecord]
        do { volumes = try inventory.volumes(includeGone: includeDeleted && !gaps) } catch { throw AgentError(error) }
        let claim = try Self.claim(pvc, in: volumes)
        if let pv, !volumes.contains(where: { $0.pv == pv }) {
            throw AgentError(
                .failed, "no volume directory with PV \(Self.shown(pv)) in the index; see 'storage-agent pvc list'")
        }
        if gaps { return try printGaps(context, inventory, volumes: volumes, claim: claim, dates: dates) }
        let filter = FileFilter(
            track: track, date: dates.single, namespace: claim?.namespace, pvc: claim?.name, pv: pv, kind: kind,
            includeDeleted: includeDeleted, since: dates.since, until: dates.until)
        if mode == .json && !summary && sort == .path {
            // The common case, streamed from compact rows: the same bytes as `json` gives a record.
            let rows: FileRows
            do { rows = try inventory.fileRows(filter) } catch { throw AgentError(error) }
            Self.printJSON(rows)
            if rows.rows.isEmpty { throw AgentError(.failed, "no indexed files match") }
            return
        }
        var files: [FileRecord]
        do { files = try inventory.files(filter) } catch { throw AgentError(error) }
        let zones = RowZones(tracks: context.config.tracks, utc: utc)
        if summary { return try printSummary(files, context: context, dates: dates, zones: zones) }
        Self.sort(&files, by: sort)
        switch mode {
        case .json: Output.out(JSONWriter.lines(files, Self.json))
        case .table, .wide:
            Output.out(
                Self.table(
                    files, wide: mode == .wide, zones: zones, headers: !noHeaders, width: Terminal.stdoutWidth()))
        }
        if files.isEmpty { throw AgentError(.failed, "no indexed files match") }
    }

    /// A `--track` the configuration does not know is a typo, not an empty answer.
    static func checkTrack(_ track: String?, known: [Track]) throws(AgentError) {
        guard let track, !known.contains(where: { $0.name == track }) else { return }
        let names = known.map(\.name).joined(separator: ", ")
        throw AgentError(
            .usage, "--track \(shown(track)) is not a configured track; known tracks: \(names.isEmpty ? "none" : names)"
        )
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
}

/// `-o`: what `query` prints.
enum QueryOutput: String, ExpressibleByArgument, CaseIterable {
    case table, wide, json
}

/// `--sort`: the order of `query`'s rows.
enum QuerySort: String, ExpressibleByArgument, CaseIterable {
    case path, time, size
}
