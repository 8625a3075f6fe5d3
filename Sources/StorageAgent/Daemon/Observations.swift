import Alerting
import HostFS
import Inventory
import Journal
import Workloads

/// What the daemon looks at beyond the index, for the alert cycle: each walk here is costly, so
/// the loop decides when (see `Daemon`'s schedule).
struct Observations {
    let context: Context

    /// Allocated space (du) and free space per volume, and tracked files in containers' writable
    /// layers: a full scan's inputs (start, reconcile, reload, a change in a storage root: the
    /// only times the volume set changes). `allocated` is kept by the daemon between them, for
    /// the stranded-data rules and the metrics textfile.
    /// `containers` carries crictl's names, asked off the loop thread (`CommandWorker`).
    func reconcile(
        _ inventory: Inventory, allocated: inout [String: DiskUsage.Usage], containers: ContainerMounts
    ) -> AlertCycle.Inputs {
        let volumes = (try? inventory.volumes()) ?? []
        var free: [String: Double] = [:]
        for v in volumes where v.state != .stale {
            if let space = try? Descriptor.openDirectory(path: v.path).fileSystemSpace(), space.totalBytes > 0 {
                free[v.path] = space.freePercent
            }
        }
        // du is a walk: stale and orphan directories always (what they strand is an alert, JSONL
        // or not), every volume when the metrics or a capacity need it.
        let everything = context.config.metricsTextfile != nil || volumes.contains(where: { $0.capacity != nil })
        let measured = volumes.filter { everything || $0.state == .stale || $0.state == .orphan }
        allocated = Metrics.usage(volumePaths: measured.map(\.path)) { path, error in
            Log.warning("cannot measure \(path): \(error.message)")
        }
        for (path, usage) in allocated where usage.limit != nil {
            Log.warning("measuring \(path) stopped at its \(usage.limit!.rawValue) budget; its size is a lower bound")
        }
        let used = allocated.mapValues(\.bytes)
        let layers = writableLayerFiles(inventory, containers: containers)
        if !layers.isEmpty {
            let exited = layers.filter { $0.state == .exited }.count
            Log.warning(
                "\(layers.count) tracked files live in container writable layers"
                    + (exited > 0 ? " (\(exited) in exited containers' layers)" : ""))
        }
        var inputs = AlertCycle.Inputs()
        inputs.usage = (used, free)
        inputs.layers = layers
        return inputs
    }

    /// Tracked files in live and exited containers' writable layers; live layers are remembered
    /// in the index with whose they are (names from crictl too).
    func writableLayerFiles(_ inventory: Inventory, containers: ContainerMounts) -> [EphemeralFile] {
        let scanner = context.ephemeralScanner(containers)
        let skipped = { (path: String, reason: String) in Log.warning("skipped writable layer \(path): \(reason)") }
        do {
            return try scanner.scan(remembering: inventory, now: SystemClock.nowNs() / 1_000_000_000, skipped: skipped)
        } catch {
            Log.warning("cannot remember containers' writable layers: \(error); live layers only")
            return scanner.scan(skipped: skipped)
        }
    }

    /// Remembers which snapshot is the writable layer of which running container, between
    /// reconciles (no walk, no crictl): a container that exits before the next reconcile is
    /// still known. Nothing is done on a node without containerd's snapshots directory.
    func rememberLayers(_ inventory: Inventory) {
        let scanner = context.config.ephemeralScanner
        guard (try? Descriptor.openDirectory(path: scanner.snapshotsPath)) != nil else { return }
        let live = scanner.writableLayers().map(EphemeralScanner.remembered)
        do {
            try inventory.rememberLayers(
                live, snapshots: scanner.snapshotsPath, now: SystemClock.nowNs() / 1_000_000_000)
        } catch {
            Log.warning("cannot remember containers' writable layers: \(error)")
        }
    }

    /// A rescue pass (RescuePass) on the layers' files, walked here unless `files` has them (a
    /// reconcile just did); nil on a node without containerd's snapshots directory. What was
    /// copied is logged; what was refused, on reconciles only (not every 30 s).
    func rescue(
        _ inventory: Inventory, containers: ContainerMounts, files: [EphemeralFile]?, between: () -> Bool
    ) -> RescuePass.Result? {
        let scanner = context.ephemeralScanner(containers)
        guard (try? Descriptor.openDirectory(path: scanner.snapshotsPath)) != nil else { return nil }
        let skipped = { (path: String, reason: String) in Log.warning("skipped writable layer \(path): \(reason)") }
        do {
            let result = try RescuePass(context: context).run(
                inventory, scanner: scanner, files: files, skipped: skipped, between: between)
            if let report = result.report {
                if report.passBytes > 0 { Log.info(RescueCommand.summary(report)) }
                if files != nil { for s in report.skipped { Log.warning("not rescued: \(s.path): \(s.reason)") } }
            }
            return result
        } catch {
            Log.warning("rescue: \(error.message)")
            return nil
        }
    }

    /// Some expected volume names a `mount:`: the tick looks at running containers (and asks crictl).
    var wantsMounts: Bool { context.config.volumes.contains(where: { $0.expect && $0.mount != nil }) }

    /// Running containers and their mounts, only when `wantsMounts`; names from `finder` (crictl's
    /// last answer).
    func mounts(_ inventory: Inventory, finder: ContainerMounts) -> (
        mounts: [ContainerMount], containers: [ContainerMounts.Container]
    )? {
        guard wantsMounts, let volumes = try? inventory.volumes(includeGone: false) else { return nil }
        let containers = finder.containers()
        return (finder.scan(volumes: volumes, containers: containers), containers)
    }

    /// Links made true on start, on volume changes and on every reconcile (a user may have moved
    /// or replaced one since); nil when the index could not be read.
    /// `log` remembers what was said of each link, so a conflict is logged once, not each time.
    func applyLinks(_ inventory: Inventory, log: inout LinkLog) -> [LinkProblem]? {
        guard context.config.volumes.contains(where: { $0.link != nil }) else { return [] }
        guard let volumes = try? inventory.volumes() else { return nil }
        let statuses = LinkManager(config: context.config, volumes: volumes).run(apply: true)
        log.report(statuses)
        return statuses.map(\.check)
    }
}
