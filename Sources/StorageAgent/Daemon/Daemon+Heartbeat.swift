import HostFS
import Inventory
import Journal

/// The heartbeat in the index (`Heartbeat`, read by `storage-agent status`): one small
/// transaction at start, on every tick, when a full scan starts and ends, after every change
/// batch and at a clean stop. A failed write is logged and the loop goes on: the index's own
/// problems are index-error's business.
extension Daemon {
    enum Beat {
        case start, tick, batch, stop
        case fullScanStarting
        case fullScanDone(reason: String, durationNs: Int64)
    }

    func heartbeat(_ beat: Beat) {
        let now = Heartbeat.nowMs()
        var h = Heartbeat()
        h.at = now
        // Set only while a full scan runs: every other beat comes from the loop, outside a scan.
        var rows: [(key: String, value: MetaValue?)] = [(Heartbeat.prefix + "full_scan_started_at", nil)]
        switch beat {
        case .start:
            h.pid = CurrentProcess.id
            h.pidStart = ProcFS.startTime(pid: CurrentProcess.id).map { Int64(bitPattern: $0) }
            h.bootID = ProcFS.bootID() ?? ""
            h.startedAt = now
            h.tickMs = Self.tickNs / 1_000_000
            describeRunning(&h)
            // What belonged to the previous run's lifetime, not to this one.
            rows.append((Heartbeat.prefix + "stopped_at", nil))
        case .tick:
            describeRunning(&h)
        case .batch:
            h.batchAt = now
        case .stop:
            h.stoppedAt = now
        case .fullScanStarting:
            h.fullScanStartedAt = now
            rows = []
        case .fullScanDone(let reason, let durationNs):
            h.fullScanAt = now
            h.fullScanMs = durationNs / 1_000_000
            h.fullScanReason = reason
            describeRunning(&h)
        }
        do { try inventory.setMeta(h.rows + rows) } catch { Log.error("heartbeat: \(error.description)") }
    }

    /// The configuration it runs and its watches: written on the tick and after full scans.
    private func describeRunning(_ h: inout Heartbeat) {
        h.configPath = context.config.source ?? ""
        h.configLoadedAt = configLoadedNs / 1_000_000
        h.configDigest = Heartbeat.digest(configBytes)
        let watches = watchCounts
        h.watches = Int64(watches.watched)
        h.watchBudget = Int64(context.config.watchBudget)
        h.polled = Int64(watches.polled)
    }
}
