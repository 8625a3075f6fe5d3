import Alerting
import HostFS
import Inventory
import Workloads

/// The rescue as the daemon (every 30 s tick, so within one tick of a container stopping) and
/// `rescue --now` run it: live and exited writable layers (remembered with whose they are),
/// their tracked files, the selection, and the copies.
struct RescuePass {
    let context: Context

    struct Result {
        /// Every tracked file of the layers, `rescuedBytes` filled from the index.
        var files: [EphemeralFile]
        var report: RescueReport?
        var outcome: RescueOutcome?
    }

    /// `files`: the layers' files when the caller has just walked them (a reconcile), else nil
    /// (they are walked here). `between` runs before each copy; false stops the pass.
    func run(
        _ inventory: Inventory, scanner: EphemeralScanner, files known: [EphemeralFile]? = nil,
        skipped: (_ path: String, _ reason: String) -> Void, between: () -> Bool = { true }
    ) throws(AgentError) -> Result {
        let now = SystemClock.nowNs() / 1_000_000_000
        var files: [EphemeralFile]
        var pods: [String: String] = [:]
        if let known {
            files = known
        } else {
            let layers: [WritableLayer]
            do { layers = try scanner.layers(remembering: inventory, now: now, skipped: skipped) } catch {
                throw AgentError(error)
            }
            for l in layers { pods[l.snapshot] = l.pod?.uid }
            files = scanner.files(in: layers, skipped: skipped)
        }
        let settings = context.config.rescue
        guard settings.enabled else { return Result(files: files) }
        guard let area = try RescueArea.open(settings.directory, create: true) else { return Result(files: files) }
        let selection = RescueSelection(context.config)
        let sources = files.filter(selection.wants).map { Rescuer.Source(file: $0, podUID: pods[$0.snapshot]) }
        let rescuer = Rescuer(
            area: area, settings: settings, snapshotsPath: scanner.snapshotsPath, maxDepth: context.config.maxDepth)
        let report: RescueReport
        do {
            report = try rescuer.pass(sources, inventory: inventory, now: now, between: between)
            Self.fill(&files, try inventory.rescued(), snapshots: scanner.snapshotsPath)
        } catch {
            throw AgentError(error)
        }
        var outcome = RescueOutcome(area: area.path)
        outcome.copied = report.containers.values.map {
            RescueOutcome.Copied(
                namespace: $0.namespace, pod: $0.pod, container: $0.container, snapshot: $0.snapshot,
                directory: $0.directory, files: $0.files, bytes: $0.bytes)
        }
        outcome.stopped = report.stopped
        outcome.heldBack = report.heldBack
        outcome.heldBackBytes = report.heldBackBytes
        outcome.heldBytes = report.heldBytes
        return Result(files: files, report: report, outcome: outcome)
    }

    /// `rescuedBytes` of each file: what the copy that follows it holds.
    static func fill(_ files: inout [EphemeralFile], _ records: [RescuedRecord], snapshots: String) {
        var bytes: [[UInt8]: Int64] = [:]
        for r in records where r.active && r.snapshots == snapshots {
            bytes[Array(r.snapshot.utf8) + [0] + r.containerPath] = r.bytes
        }
        for i in files.indices {
            files[i].rescuedBytes = bytes[Array(files[i].snapshot.utf8) + [0] + files[i].containerPathBytes] ?? 0
        }
    }
}
