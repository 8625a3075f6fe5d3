import Alerting
import ArgumentParser
import HostFS
import PVCResolver

struct AdoptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adopt",
        abstract: "Bring a recreated PVC's stranded data (its stale directories) into its current directory.",
        discussion: HelpText.paragraphs(
            """
            Dry run by default: per file, what would be copied, what the current directory already holds
            identically (same size and sha256: skipped), and what conflicts (kept beside as NAME.adopted-<pv>),
            with totals. --apply copies by descriptor (never following a symlink on either side), preserves
            mtime, gives each new file and directory to the volume's owner (owner:, default 999:999), verifies
            the sha256, and never overwrites or deletes anything. --move renames instead, when both are on one
            file system. Symlinks, FIFOs, sockets and devices are skipped; hard-linked files and names with
            control characters are refused. Exit 0 when everything planned is done, 1 when something was refused.
            """)
    )

    @OptionGroup var global: GlobalOptions

    @Argument(
        help: ArgumentHelp("The PVC: NAMESPACE/NAME, or NAME alone when only one namespace has it.", valueName: "pvc"),
        completion: Completions.pvcs)
    var claim: String

    @Option(
        help: ArgumentHelp(
            "Adopt from this directory instead of the PVC's stale ones: a direct child of a storage root (an orphan) or a known volume directory.",
            valueName: "dir"))
    var from: String?

    @Flag(help: "Copy (or move) for real; without it nothing is changed.")
    var apply = false

    @Flag(help: "Rename files instead of copying them when source and destination share a file system.")
    var move = false

    @Flag(help: "Print a JSON array (keys: source destination action bytes detail).")
    var json = false

    func run() throws {
        let context = try Context(global)
        let resolution = context.resolve()
        try context.check(resolution)
        let matches = try PVCCommand.ResolveCommand.match(claim, in: resolution.volumes)
        guard let current = matches.first(where: { $0.state == .current }) else {
            throw AgentError(
                .failed, "PVC \(claim) has no current directory on this node to adopt into; see storage-agent pvc list")
        }
        let sources: [AdoptSource]
        if let from {
            sources = [
                try AdoptSource.named(
                    from, roots: context.config.storageRoots, volumes: resolution.volumes, current: current)
            ]
        } else {
            sources = AdoptSource.stale(matches)
            guard !sources.isEmpty else {
                throw AgentError(
                    .failed,
                    "PVC \(current.claim ?? claim) has no stale directory to adopt; name an orphan with --from DIR (storage-agent pvc list)"
                )
            }
        }
        let owner = VolumeOwnership(config: context.config).owner(for: current, force: true) ?? context.config.owner
        var adopter: Adopter
        do {
            adopter = try Adopter(
                destination: current.open(), path: current.path, owner: owner, apply: apply, move: move,
                maxDepth: context.config.maxDepth)
        } catch {
            throw AgentError(
                error.isPermission ? .permission : .ioError,
                "cannot open \(current.path): \(error.message); run with sudo")
        }
        adopter.hashPlanned = sources.count > 1
        for source in sources {
            let dir: Descriptor
            do {
                dir = try source.open()
            } catch {
                throw AgentError(
                    error.isPermission ? .permission : .ioError, "cannot open \(source.path): \(error.message)")
            }
            adopter.move = move && (try? dir.stat().device) == adopter.destinationDevice
            if move && !adopter.move {
                Context.warn("--move: \(source.path) is on another file system than \(current.path); copying instead")
            }
            adopter.adopt(dir, path: source.path, label: source.label)
        }
        if apply {
            // The copies' names, in one go rather than a directory fsync per file.
            do { try adopter.destination.syncFileSystem() } catch {
                Context.warn(
                    "syncfs \(current.path): \(error.message); the copies are complete but may not be on disk yet")
            }
        }
        let items = adopter.items.sorted { RawName.precedes($0.source, $1.source) }
        Output.out(
            json ? Self.json(items) : Self.table(items, into: current.path, from: sources.map(\.path), apply: apply))
        if items.contains(where: { $0.action == .refused }) { throw ExitCode(1) }
    }

    static func json(_ items: [AdoptItem]) -> [UInt8] {
        JSONWriter.lines(items) { w, item in
            w.object { w in
                w.field("source", RawName.decoded(item.source))
                w.field("destination", item.destination.map { RawName.decoded($0) })
                w.field("action", item.action.rawValue)
                w.field("bytes", item.bytes)
                w.field("detail", item.detail)
            }
        }
    }

    static func table(_ items: [AdoptItem], into destination: String, from sources: [String], apply: Bool) -> [UInt8] {
        var table = Table(["ACTION", "SIZE", "SOURCE", "DESTINATION", "DETAIL"], rightAligned: [1])
        for item in items {
            table.append([
                item.action.rawValue, Format.size(item.bytes), RawName.display(item.source),
                item.destination.map { RawName.display($0) } ?? "-", item.detail ?? "-",
            ])
        }
        let t = AdoptTotals(items)
        func part(_ action: AdoptItem.Action, _ words: String) -> String {
            "\(t.count(action)) \(words) (\(Format.size(t.size(action))))"
        }
        var parts = [part(.copy, apply ? "copied" : "to copy")]
        if t.count(.move) > 0 { parts.append(part(.move, apply ? "moved" : "to move")) }
        parts += [
            part(.conflict, apply ? "kept beside" : "to keep beside"), "\(t.count(.skip)) skipped",
            "\(t.count(.refused)) refused",
        ]
        let summary = parts.joined(separator: ", ")
        let froms = sources.joined(separator: ", ")
        let next =
            apply
            ? "\(froms) left in place: archive or remove it once \(destination) is checked"
            : "dry run: nothing changed; run again with --apply to adopt into \(destination)"
        let head = items.isEmpty ? "nothing to adopt from \(froms)\n" : table.render()
        return Array((head + RawName.safeLine(summary) + "\n" + RawName.safeLine(next) + "\n").utf8)
    }
}
