import Alerting
import HostFS

/// What `status` prints: lines for people, one JSON object for scripts.
extension StatusCommand {
    static func text(_ r: StatusReport, database: String) -> String {
        let h = r.heartbeat
        func when(_ ms: Int64?) -> String { ms.map { SystemClock.local(ns: $0 * 1_000_000) } ?? "never" }
        var lines: [String] = []
        switch r.state {
        case .running:
            lines.append(
                "daemon: running, pid \(h.pid ?? 0) since \(when(h.startedAt)), last heartbeat \(StatusReport.span(r.ageMs ?? 0)) ago"
            )
        case .stuck:
            lines.append(
                "daemon: stuck, pid \(h.pid ?? 0) is alive but its last heartbeat was \(StatusReport.span(r.ageMs ?? 0)) ago"
                    + " (more than \(StatusReport.stuckAfterTicks) ticks of \(StatusReport.span(r.tickMs)))")
        case .notRunning:
            if let at = h.at {
                let how = h.stoppedAt != nil ? "stopped" : "gone without stopping"
                lines.append("daemon: not running; last seen \(when(at)) (pid \(h.pid ?? 0), \(how))")
            } else {
                lines.append("daemon: not running; never seen (no heartbeat in \(RawName.safeLine(database)))")
            }
        }
        guard r.indexExists else { return lines.joined(separator: "\n") + "\nstatus: not running\n" }
        if let since = h.fullScanStartedAt, r.state != .notRunning {
            lines.append("full scan: running since \(when(since)) (\(StatusReport.span(max(0, r.nowMs - since))))")
        }
        let scan = h.fullScanAt.map { at in
            "\(when(at)) (\(h.fullScanReason ?? "?")), took \(StatusReport.span(h.fullScanMs ?? 0))"
        }
        lines.append("last full scan: \(scan ?? "never")")
        lines.append("last change batch: \(when(h.batchAt))")
        let disk: String
        switch r.configOnDisk {
        case .same: disk = "the file on disk is the same"
        case .changed: disk = "the file on disk differs (systemctl reload storage-agent)"
        case .gone: disk = "the file is gone from disk"
        case .unreadable: disk = "the file on disk cannot be read (run with sudo)"
        }
        let file = (h.configPath ?? "").isEmpty ? "built-in defaults" : RawName.safeLine(r.configFile)
        lines.append("config: \(file), loaded \(when(h.configLoadedAt)); \(disk)")
        lines.append(
            "inotify watches: \(h.watches.map(String.init) ?? "?") of \(h.watchBudget.map(String.init) ?? "?"); "
                + "polled directories: \(h.polled.map(String.init) ?? "?")")
        let total = r.firing.reduce(0) { $0 + $1.count }
        lines.append(
            "alerts firing: "
                + (total == 0
                    ? "none" : "\(total) (" + r.firing.map { "\($0.type) \($0.count)" }.joined(separator: ", ") + ")"))
        lines.append("rescue: \(Format.size(r.rescueBytes)) of \(Format.size(r.rescueMaxBytes)) (rescue.max_bytes)")
        lines.append(
            "index: \(Format.size(r.indexSize.database + r.indexSize.wal)) (database \(Format.size(r.indexSize.database)), "
                + "write-ahead log \(Format.size(r.indexSize.wal)))")
        switch r.exitCode {
        case 0: lines.append("status: healthy")
        case 1: lines.append("status: degraded: " + r.problems.joined(separator: "; "))
        default: lines.append("status: not running")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func json(_ w: inout JSONWriter, _ r: StatusReport) {
        let h = r.heartbeat
        func time(_ ms: Int64?) -> String? { ms.map { SystemClock.rfc3339(ns: $0 * 1_000_000) } }
        w.object { w in
            w.field("state", r.state.rawValue)
            w.field("health", r.exitCode == 0 ? "healthy" : r.exitCode == 1 ? "degraded" : "not-running")
            w.field("problems", r.problems)
            w.field("pid", h.pid)
            w.field("started_at", time(h.startedAt))
            w.field("heartbeat_at", time(h.at))
            w.field("heartbeat_age_seconds", r.ageMs.map { $0 / 1000 })
            w.field("tick_seconds", r.tickMs / 1000)
            w.field("stopped_at", time(h.stoppedAt))
            w.field("full_scan_at", time(h.fullScanAt))
            w.field("full_scan_duration_ms", h.fullScanMs)
            w.field("full_scan_reason", h.fullScanReason)
            w.field("full_scan_running_since", r.state == .notRunning ? nil : time(h.fullScanStartedAt))
            w.field("change_batch_at", time(h.batchAt))
            w.field("config_path", (h.configPath ?? "").isEmpty ? nil : h.configPath)
            w.field("config_loaded_at", time(h.configLoadedAt))
            w.field("config_on_disk", r.configOnDisk.rawValue)
            w.field("watches", h.watches)
            w.field("watch_budget", h.watchBudget)
            w.field("polled_directories", h.polled)
            w.field("alerts_firing", counts: r.firing.map { (key: $0.type, value: $0.count) })
            w.field("rescue_bytes", r.rescueBytes)
            w.field("rescue_max_bytes", r.rescueMaxBytes)
            w.field("index_bytes", r.indexSize.database + r.indexSize.wal)
            w.field("index_database_bytes", r.indexSize.database)
            w.field("index_wal_bytes", r.indexSize.wal)
        }
    }
}
