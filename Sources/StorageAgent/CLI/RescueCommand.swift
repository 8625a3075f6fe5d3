import Alerting
import ArgumentParser
import HostFS
import Inventory
import Workloads

struct RescueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rescue",
        abstract: "Tracked files copied out of container writable layers.",
        discussion: HelpText.paragraphs(
            """
            The daemon copies tracked files (index.include) out of containers' writable layers, live or \
            exited, when they lie under the mount: path of a configured volume of the container's namespace \
            or match rescue.paths, into rescue.directory (default /var/lib/storage-agent/rescue) as \
            <namespace>/<pod>/<container>/<path inside the container>. A file that grew is extended, one that \
            shrank or was replaced is copied again as NAME.gen2 (the old copy kept). STATE: live (the \
            container runs), exited (stopped, not removed), gone (the source is gone: this copy is the only \
            one). --now runs one pass first, as the daemon does on every 30 s tick. Exit 1 when nothing is held.
            """),
        subcommands: [RestoreCommand.self, PruneCommand.self]
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Copy what changed now (as the daemon's tick does, pass after pass until all is copied), then list.")
    var now = false

    @Flag(
        help:
            "Print a JSON array (keys: namespace pod container container_path size state rescued_path generation sha256 snapshot first_copied last_copied)."
    )
    var json = false

    func run() throws {
        let context = try Context(global)
        let inventory = try context.openInventory()
        let scanner = context.ephemeralScanner(now ? context.containerMounts() : ContainerMounts())
        let skipped = { (path: String, reason: String) in Context.warn("skipped writable layer \(path): \(reason)") }
        var summary = ""
        if now {
            // Pass after pass until nothing is left for a next one (the daemon does one per tick).
            var result = try RescuePass(context: context).run(inventory, scanner: scanner, skipped: skipped)
            var total = result.report
            while let last = result.report, last.deferred > 0, last.passBytes > 0 {
                result = try RescuePass(context: context).run(inventory, scanner: scanner, skipped: { _, _ in })
                total?.merge(result.report ?? RescueReport())
            }
            if let report = total {
                for s in report.skipped { Context.warn("not rescued: \(s.path): \(s.reason)") }
                summary = Self.summary(report) + "\n"
            } else {
                Context.warn("rescue.enabled is false: nothing copied")
            }
        }
        let held = try Self.listed(context, inventory, scanner)
        Output.out(json ? Self.json(held) : Array((Self.table(held, area: context.config.rescue) + summary).utf8))
        if held.isEmpty { throw AgentError(.failed, "nothing rescued in \(context.config.rescue.directory)") }
    }

    /// A held copy and the state of its source.
    struct Held {
        var record: RescuedRecord
        var state: String
        var path: [UInt8]
    }

    /// Every copy with its state: `live` or `exited` from the layers as they are now, else `gone`.
    static func listed(_ context: Context, _ inventory: Inventory, _ scanner: EphemeralScanner) throws(AgentError)
        -> [Held]
    {
        let now = SystemClock.nowNs() / 1_000_000_000
        do {
            let layers = try scanner.layers(remembering: inventory, now: now)
            let states = Dictionary(layers.map { ($0.snapshot, $0.state.rawValue) }, uniquingKeysWith: { a, _ in a })
            return try inventory.rescued().map { r in
                let live = r.active && r.snapshots == scanner.snapshotsPath ? states[r.snapshot] : nil
                return Held(record: r, state: live ?? "gone", path: r.rescuedPath)
            }
        } catch {
            throw AgentError(error)
        }
    }

    static func summary(_ r: RescueReport) -> String {
        var parts = ["rescued now: \(r.copiedFiles) file\(r.copiedFiles == 1 ? "" : "s") (\(Format.size(r.passBytes)))"]
        if r.deferred > 0 { parts.append("\(r.deferred) left for the next pass") }
        if let why = r.stopped { parts.append("\(r.heldBack) held back (\(Format.size(r.heldBackBytes))): \(why)") }
        return parts.joined(separator: "; ")
    }

    static func json(_ held: [Held]) -> [UInt8] {
        JSONWriter.lines(held) { w, h in
            let r = h.record
            w.object { w in
                w.field("namespace", r.namespace)
                w.field("pod", r.pod)
                w.field("container", r.container)
                w.field("container_path", RawName.decoded(r.containerPath))
                w.field("size", r.bytes)
                w.field("state", h.state)
                w.field("rescued_path", RawName.decoded(h.path))
                w.field("generation", r.generation)
                w.field("sha256", r.sha256)
                w.field("snapshot", r.snapshot)
                w.field("first_copied", SystemClock.rfc3339(ns: r.firstCopied * 1_000_000_000))
                w.field("last_copied", SystemClock.rfc3339(ns: r.lastCopied * 1_000_000_000))
            }
        }
    }

    static func table(_ held: [Held], area: RescueConfig) -> String {
        var table = Table(
            ["NAMESPACE", "POD", "CONTAINER", "CONTAINER-PATH", "SIZE", "STATE", "RESCUED-PATH"], rightAligned: [4])
        var bytes: Int64 = 0
        for h in held {
            bytes += h.record.bytes
            table.append([
                h.record.namespace ?? "-", h.record.pod ?? "-", h.record.container ?? "-",
                RawName.display(h.record.containerPath), Format.size(h.record.bytes), h.state, RawName.display(h.path),
            ])
        }
        let gone = held.filter { $0.state == "gone" }.count
        return table.render()
            + "\(held.count) file\(held.count == 1 ? "" : "s"), \(Format.size(bytes)) held in \(area.directory) "
            + "(rescue.max_bytes \(Format.size(area.maxBytes)))" + (gone > 0 ? "; \(gone) the only copy left" : "")
            + "\n"
    }
}
