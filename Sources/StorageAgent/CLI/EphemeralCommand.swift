import Alerting
import ArgumentParser
import HostFS
import Workloads

struct EphemeralCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ephemeral",
        abstract: "Tracked files living in container writable layers, not in a PVC.",
        discussion: HelpText.paragraphs(
            """
            Lists files matching index.include in the writable (upper) overlay layer of every container \
            under ephemeral.containerd_root: the overlay at / of a process in a pod cgroup (nothing else \
            counts). STATE live: the container runs; they are lost when it restarts, \
            usually because a volume is not mounted where the application writes. STATE exited: the \
            container stopped but was not removed yet (the agent remembered its layer while it ran); they \
            are lost when it is removed. POD, NAMESPACE and the container come from the process's pod \
            cgroup, the kubelet's pod directory and crictl; "-" (null in JSON) means unknown (for POD: a \
            pod cgroup whose pod UID neither the kubelet nor crictl knows). Exit 1 when \
            nothing is found.
            """)
    )

    @OptionGroup var global: GlobalOptions

    @Flag(
        help:
            "Print a JSON array (keys: path container_path size mtime snapshot pod namespace container state rescued_bytes)."
    )
    var json = false

    func run() throws {
        let context = try Context(global)
        let scanner = context.ephemeralScanner(context.containerMounts())
        try Self.checkSnapshots(scanner, configSource: context.config.source)
        let skipped = { (path: String, reason: String) in Context.warn("skipped writable layer \(path): \(reason)") }
        var files: [EphemeralFile]
        do {
            let inventory = try context.openInventory()
            files = try scanner.scan(remembering: inventory, now: SystemClock.nowNs() / 1_000_000_000, skipped: skipped)
            RescuePass.fill(&files, try inventory.rescued(), snapshots: scanner.snapshotsPath)
        } catch {
            Context.warn("\(error); exited containers' layers are not known, live ones only")
            files = scanner.scan(skipped: skipped)
        }
        if json {
            Output.out(JSONWriter.lines(files, Self.json))
        } else {
            Output.out(Self.table(files))
        }
        if files.isEmpty { throw AgentError(.failed, "no tracked files in container writable layers") }
    }

    /// A missing snapshots directory means this node runs no containerd (or another root).
    static func checkSnapshots(_ scanner: EphemeralScanner, configSource: String?) throws(AgentError) {
        do {
            _ = try Descriptor.openDirectory(path: scanner.snapshotsPath)
        } catch {
            if error.isVanished || error.code == .notDirectory {
                throw AgentError(
                    .failed,
                    "no containerd snapshots under \(scanner.containerdRoot); set ephemeral.containerd_root in \(configSource ?? Config.defaultPath) if containerd lives elsewhere"
                )
            }
            if error.isPermission {
                throw AgentError(.permission, "cannot read \(scanner.snapshotsPath): permission denied; run with sudo")
            }
            throw AgentError(.ioError, "cannot read \(scanner.snapshotsPath): \(error.message)")
        }
    }

    static func json(_ w: inout JSONWriter, _ f: EphemeralFile) {
        w.object { w in
            w.field("path", f.path)
            w.field("container_path", f.containerPath)
            w.field("size", f.size)
            w.field("mtime", SystemClock.rfc3339(ns: f.mtimeNs))
            w.field("snapshot", f.snapshot)
            w.field("pod", f.pod)
            w.field("namespace", f.namespace)
            w.field("container", f.container)
            w.field("state", f.state.rawValue)
            w.field("rescued_bytes", f.rescuedBytes)
        }
    }

    static func table(_ files: [EphemeralFile]) -> String {
        var table = Table(
            ["PATH", "CONTAINER-PATH", "SIZE", "MODIFIED", "STATE", "POD", "NAMESPACE"], rightAligned: [2])
        var bytes: Int64 = 0
        for f in files {
            bytes += f.size
            table.append([
                RawName.display(f.pathBytes), RawName.display(f.containerPathBytes), Format.size(f.size),
                SystemClock.local(ns: f.mtimeNs), f.state.rawValue, f.pod ?? "-",
                f.namespace ?? "-",
            ])
        }
        let layers = Set(files.map(\.snapshot)).count
        let exited = Set(files.filter { $0.state == .exited }.map(\.snapshot)).count
        return table.render()
            + "\(Format.count(Int64(files.count))) file\(files.count == 1 ? "" : "s"), \(Format.size(bytes)) at risk in \(layers) writable layer\(layers == 1 ? "" : "s")"
            + (exited > 0 ? " (\(exited) of exited containers)" : "") + "\n"
    }
}
