import Alerting
import ArgumentParser
import HostFS
import Inventory
import PVCResolver

struct PVCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pvc",
        abstract: "PersistentVolumeClaims and the directories that hold them.",
        subcommands: [ListCommand.self, ResolveCommand.self]
    )

    struct ListCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract:
                "List volumes with their state, size and last write (from the index; scans first if there is none).",
            discussion: HelpText.paragraphs(
                """
                FILES and SIZE are the indexed files (index.include) and their bytes; USED is what the directory
                takes on disk, everything in it, as `du -s -B1 -x` counts it, measured now by a bounded walk
                (">=" when a budget stopped it).
                """)
        )

        @OptionGroup var global: GlobalOptions

        @Flag(
            help:
                "Print a JSON array (keys: namespace pvc pv path state source files bytes used_bytes last_write uid gid capacity mounts)."
        )
        var json = false

        func run() throws {
            let context = try Context(global, readingIndex: true)
            let inventory = try context.inventoryForReading(refresh: false)
            let volumes = try Self.read(inventory)
            let finder = context.containerMounts()
            let mounts = finder.scan(volumes: volumes, containers: finder.containers())
            var mounted: [String: Int] = [:]
            for (path, list) in Dictionary(grouping: mounts, by: { $0.volumePath }) {
                mounted[path] = Set(list.map { $0.pid }).count
            }
            let used = Metrics.usage(volumePaths: volumes.map(\.path)) { path, error in
                Context.warn("cannot measure \(path): \(error.message)")
            }
            if json {
                Output.out(
                    JSONWriter.lines(volumes) { w, v in
                        Self.json(&w, v, used: used[v.path], mounts: mounted[v.path] ?? 0)
                    })
                return
            }
            var table = Table(
                ["NAMESPACE", "PVC", "PV", "STATE", "PATH", "FILES", "SIZE", "USED", "LAST-WRITE", "OWNER", "MOUNTS"],
                rightAligned: [5, 6, 7, 10])
            for v in volumes {
                table.append([
                    v.namespace ?? "-", v.pvc ?? "-", v.pv ?? "-", v.state.rawValue, v.path, Format.count(v.files),
                    Format.size(v.bytes),
                    used[v.path].map { ($0.limit == nil ? "" : ">=") + Format.size($0.bytes) } ?? "-",
                    v.lastWriteNs.map { SystemClock.local(ns: $0) } ?? "-",
                    v.uid.map { "\($0):\(v.gid ?? 0)" } ?? "-", String(mounted[v.path] ?? 0),
                ])
            }
            Output.out(table.render())
            if volumes.isEmpty {
                throw AgentError(
                    .failed, "no volumes found under \(context.config.storageRoots.joined(separator: ", "))")
            }
        }

        static func read(_ inventory: Inventory) throws(AgentError) -> [VolumeRecord] {
            do { return try inventory.volumes() } catch { throw AgentError(error) }
        }

        /// The contract's keys, plus `mounts`: how many running containers mount the volume, and
        /// `used_bytes`: allocated bytes as `du -s -B1 -x` counts them (null when it cannot be read).
        static func json(_ w: inout JSONWriter, _ v: VolumeRecord, used: DiskUsage.Usage?, mounts: Int) {
            w.object { w in
                w.field("namespace", v.namespace)
                w.field("pvc", v.pvc)
                w.field("pv", v.pv)
                w.field("path", v.path)
                w.field("state", v.state.rawValue)
                w.field("source", v.source)
                w.field("files", v.files)
                w.field("bytes", v.bytes)
                w.field("used_bytes", used?.bytes)
                w.field("last_write", v.lastWriteNs.map { SystemClock.rfc3339(ns: $0) })
                w.field("uid", v.uid)
                w.field("gid", v.gid)
                w.field("capacity", v.capacity)
                w.field("mounts", mounts)
            }
        }
    }

    struct ResolveCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resolve",
            abstract: "Print the host directory of a PVC's current volume.",
            discussion:
                HelpText.paragraphs(
                    "Reads the disk (and the PV list, when configured), not the index. Exit 1 when no directory holds the PVC."
                )
        )

        @OptionGroup var global: GlobalOptions

        @Argument(
            help: ArgumentHelp("NAMESPACE/NAME, or NAME alone when only one namespace has it.", valueName: "pvc"),
            completion: Completions.pvcs)
        var claim: String

        func run() throws {
            let context = try Context(global)
            let resolution = context.resolve()
            try context.check(resolution)
            let matches = try Self.match(claim, in: resolution.volumes)
            let chosen = matches.first { $0.state == .current } ?? matches.first { $0.state != .stale } ?? matches.first
            guard let chosen else {
                throw AgentError(.failed, "no volume directory for PVC \(claim); see 'storage-agent pvc list'")
            }
            if chosen.state != .current {
                Context.warn("\(chosen.claim ?? claim) is \(chosen.state.rawValue) (\(chosen.source.rawValue))")
            }
            Output.out(chosen.path + "\n")
        }

        static func match(_ claim: String, in volumes: [Volume]) throws(AgentError) -> [Volume] {
            let parts = claim.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count == 2 {
                guard KubernetesName.isLabel(parts[0]), KubernetesName.isSubdomain(parts[1]) else {
                    throw AgentError(.usage, "'\(claim)' is not NAMESPACE/NAME")
                }
                return volumes.filter { $0.namespace == String(parts[0]) && $0.pvc == String(parts[1]) }
            }
            guard parts.count == 1, KubernetesName.isSubdomain(claim) else {
                throw AgentError(.usage, "'\(claim)' is not a PVC name; use NAMESPACE/NAME")
            }
            let found = volumes.filter { $0.pvc == claim }
            let namespaces = Set(found.compactMap(\.namespace))
            if namespaces.count > 1 {
                throw AgentError(
                    .usage,
                    "PVC \(claim) exists in several namespaces (\(namespaces.sorted().joined(separator: ", "))); use NAMESPACE/\(claim)"
                )
            }
            return found
        }
    }
}
