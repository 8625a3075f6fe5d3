import Alerting
import HostFS
import Inventory
import Journal
import Workloads

/// What the daemon looks at beyond the index, for the alert cycle: each walk here is costly, so
/// the loop decides when (see `Daemon`'s schedule).
struct Observations {
    let context: Context

    /// Allocated bytes (du) and free space per volume, and tracked files in containers' writable
    /// layers: a reconcile's inputs. `used` is reused by the metrics textfile between reconciles.
    func reconcile(_ inventory: Inventory, used: inout [String: Int64]) -> AlertCycle.Inputs {
        let volumes = (try? inventory.volumes()) ?? []
        var free: [String: Double] = [:]
        for v in volumes where v.state != .stale {
            if let space = try? Descriptor.openDirectory(path: v.path).fileSystemSpace(), space.totalBytes > 0 {
                free[v.path] = space.freePercent
            }
        }
        if context.config.metricsTextfile != nil || volumes.contains(where: { $0.capacity != nil }) {
            used = Metrics.usedBytes(volumePaths: volumes.map(\.path)) { path, error in
                Log.warning("cannot measure \(path): \(error.message)")
            }
        }
        let layers = writableLayerFiles(inventory)
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
    func writableLayerFiles(_ inventory: Inventory) -> [EphemeralFile] {
        let scanner = context.ephemeralScanner(context.containerMounts())
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

    /// Running containers and their mounts, only when some expected volume names a `mount:`.
    func mounts(_ inventory: Inventory) -> (mounts: [ContainerMount], containers: [ContainerMounts.Container])? {
        guard context.config.volumes.contains(where: { $0.expect && $0.mount != nil }),
            let volumes = try? inventory.volumes(includeGone: false)
        else { return nil }
        let finder = context.containerMounts()
        let containers = finder.containers()
        return (finder.scan(volumes: volumes, containers: containers), containers)
    }

    /// Links made true on start, on volume changes and on every reconcile (k3s's `chmod 700`
    /// masks the ACL entry that makes them reachable); nil when the index could not be read.
    func applyLinks(_ inventory: Inventory) -> [LinkProblem]? {
        guard context.config.volumes.contains(where: { $0.link != nil }) else { return [] }
        guard let volumes = try? inventory.volumes() else { return nil }
        let statuses = LinkManager(config: context.config, volumes: volumes).run(apply: true)
        for s in statuses where s.state != .ok { Log.warning("link \(s.link): \(s.state.rawValue): \(s.detail)") }
        return statuses.compactMap(\.problem)
    }
}
