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

    @Option(help: ArgumentHelp("Only files of this PVC.", valueName: "ns/name"))
    var pvc: String?

    @Option(help: ArgumentHelp("Only this kind of file.", valueName: "jsonl|log"))
    var kind: String?

    @Flag(help: "Include files that were deleted (kept in the index as evidence).")
    var includeDeleted = false

    @Flag(help: "Scan before answering.")
    var refresh = false

    @Flag(help: "For hourly tracks (scalp), list the hours of --date's active window that have no file.")
    var gaps = false

    @Flag(
        help: "Print a JSON array (keys: path namespace pvc pv track date hour kind size lines mtime uid gid deleted).")
    var json = false

    func validate() throws {
        if let date, date.count != 8 || !date.allSatisfy({ $0.isASCII && $0.isNumber }) {
            throw ValidationError("--date \(date): use YYYYMMDD, e.g. 20260203")
        }
        if gaps && date == nil { throw ValidationError("--gaps needs --date YYYYMMDD") }
        if let pvc {
            let parts = pvc.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--pvc \(pvc): use NAMESPACE/NAME, e.g. observer-prod/observer-data-pvc")
            }
        }
    }

    func run() throws {
        let context = try Context(global, readingIndex: true)
        let inventory = try context.inventoryForReading(refresh: refresh)
        if gaps { return try printGaps(context, inventory) }
        let parts = pvc?.split(separator: "/").map(String.init)
        let filter = FileFilter(
            track: track, date: date, namespace: parts?[0], pvc: parts?[1], kind: kind, includeDeleted: includeDeleted)
        let files: [FileRecord]
        do { files = try inventory.files(filter) } catch { throw AgentError(error) }
        if json {
            Output.out(JSONWriter.lines(files, Self.json))
        } else {
            Output.out(Self.table(files))
        }
        if files.isEmpty { throw AgentError(.failed, "no indexed files match") }
    }

    static func json(_ w: inout JSONWriter, _ f: FileRecord) {
        w.object { w in
            w.field("path", RawName.decoded(f.pathBytes))
            w.field("namespace", f.namespace)
            w.field("pvc", f.pvc)
            w.field("pv", f.pv)
            w.field("track", f.track)
            w.field("date", f.date)
            w.field("hour", f.hour)
            w.field("kind", f.kind)
            w.field("size", f.size)
            w.field("lines", f.lines)
            w.field("mtime", SystemClock.rfc3339(ns: f.mtimeNs))
            w.field("uid", f.uid)
            w.field("gid", f.gid)
            w.field("deleted", f.deletedAt != nil)
        }
    }

    static func table(_ files: [FileRecord]) -> String {
        var table = Table(["MODIFIED", "SIZE", "LINES", "TRACK", "PVC", "PATH"], rightAligned: [1, 2])
        var bytes: Int64 = 0
        var lines: Int64 = 0
        for f in files {
            bytes += f.size
            lines += f.lines
            let path = RawName.display(f.pathBytes) + (f.deletedAt != nil ? "  (deleted)" : "")
            table.append([
                SystemClock.local(ns: f.mtimeNs), Format.size(f.size), Format.count(f.lines), f.track ?? "-",
                f.namespace.map { "\($0)/\(f.pvc ?? "-")" } ?? (f.pv ?? "-"), path,
            ])
        }
        return table.render()
            + "\(Format.count(Int64(files.count))) file\(files.count == 1 ? "" : "s"), \(Format.size(bytes)), \(Format.count(lines)) lines\n"
    }

    /// `--gaps`: one line per volume and hourly track with the missing hours (JSON: namespace,
    /// pvc, path, track, date, missing).
    func printGaps(_ context: Context, _ inventory: Inventory) throws {
        let tracks = context.config.tracks.filter {
            $0.hourly && $0.active != nil && (track == nil || $0.name == track)
        }
        guard !tracks.isEmpty else {
            throw AgentError(
                .usage,
                "no hourly track\(track.map { " named \($0)" } ?? "") with an active window in the configuration")
        }
        let finder = context.config.gaps
        var found: [Gaps.Gap] = []
        for t in tracks {
            do { found += try finder.gaps(inventory, track: t, date: date!) } catch { throw AgentError(error) }
        }
        if let pvc {
            found = found.filter { $0.volume.claim == pvc }
        }
        if json {
            Output.out(
                JSONWriter.lines(found) { w, g in
                    w.object { w in
                        w.field("namespace", g.volume.namespace)
                        w.field("pvc", g.volume.pvc)
                        w.field("path", g.volume.path)
                        w.field("track", g.track)
                        w.field("date", g.date)
                        w.field("missing", g.missing)
                    }
                })
        } else if found.isEmpty {
            Output.out("no gaps on \(date!) for \(tracks.map(\.name).joined(separator: ", "))\n")
        } else {
            for g in found {
                let hours = g.missing.map { format2($0) + ":00" }.joined(separator: ", ")
                Output.out("\(g.volume.claim ?? g.volume.path)  \(g.track)  \(g.date)  missing \(hours)\n")
            }
        }
    }
}

private func format2(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
