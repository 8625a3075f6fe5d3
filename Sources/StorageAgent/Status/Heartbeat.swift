import HostFS
import Inventory

/// What the daemon says of itself in the index's `meta` table (keys `daemon.*`, no schema
/// change), so `storage-agent status` needs no socket: who it is (pid, its start time and the
/// boot, so a recycled pid is not taken for it), when it last beat, its last full scan and change
/// batch, the configuration it runs and its watches. Times are unix milliseconds.
struct Heartbeat: Equatable {
    var pid: Int32?
    /// proc_pid_stat(5) `starttime` of `pid`, clock ticks after boot.
    var pidStart: Int64?
    var bootID: String?
    var startedAt: Int64?
    /// The last heartbeat.
    var at: Int64?
    /// The daemon's tick: it beats at least this often while its loop turns.
    var tickMs: Int64?
    /// Set when it stopped on SIGTERM (cleared at the next start).
    var stoppedAt: Int64?
    var fullScanStartedAt: Int64?
    var fullScanAt: Int64?
    var fullScanMs: Int64?
    var fullScanReason: String?
    var batchAt: Int64?
    /// The configuration file it runs ("" for the built-in defaults).
    var configPath: String?
    var configLoadedAt: Int64?
    /// `sha256:<hex>` of the file's bytes when loaded ("" when there was none).
    var configDigest: String?
    var watches: Int64?
    var watchBudget: Int64?
    var polled: Int64?

    static let prefix = "daemon."

    /// The keys and values as stored (only the fields that are set).
    var rows: [(key: String, value: MetaValue?)] {
        var out: [(key: String, value: MetaValue?)] = []
        func int(_ key: String, _ v: Int64?) { if let v { out.append((Self.prefix + key, .int(v))) } }
        func text(_ key: String, _ v: String?) { if let v { out.append((Self.prefix + key, .text(v))) } }
        int("pid", pid.map(Int64.init))
        int("pid_start", pidStart)
        text("boot_id", bootID)
        int("started_at", startedAt)
        int("heartbeat_at", at)
        int("tick_ms", tickMs)
        int("stopped_at", stoppedAt)
        int("full_scan_started_at", fullScanStartedAt)
        int("full_scan_at", fullScanAt)
        int("full_scan_ms", fullScanMs)
        text("full_scan_reason", fullScanReason)
        int("batch_at", batchAt)
        text("config_path", configPath)
        int("config_loaded_at", configLoadedAt)
        text("config_digest", configDigest)
        int("watches", watches)
        int("watch_budget", watchBudget)
        int("polled", polled)
        return out
    }

    init() {}

    /// The heartbeat as the index holds it.
    init(_ meta: [String: MetaValue]) {
        func int(_ key: String) -> Int64? { meta[Self.prefix + key]?.int }
        func text(_ key: String) -> String? { meta[Self.prefix + key]?.text }
        pid = int("pid").map { Int32(truncatingIfNeeded: $0) }
        pidStart = int("pid_start")
        bootID = text("boot_id")
        startedAt = int("started_at")
        at = int("heartbeat_at")
        tickMs = int("tick_ms")
        stoppedAt = int("stopped_at")
        fullScanStartedAt = int("full_scan_started_at")
        fullScanAt = int("full_scan_at")
        fullScanMs = int("full_scan_ms")
        fullScanReason = text("full_scan_reason")
        batchAt = int("batch_at")
        configPath = text("config_path")
        configLoadedAt = int("config_loaded_at")
        configDigest = text("config_digest")
        watches = int("watches")
        watchBudget = int("watch_budget")
        polled = int("polled")
    }

    /// The digest kept of a configuration file's bytes ("" for none).
    static func digest(_ bytes: [UInt8]?) -> String {
        bytes.map { "sha256:" + SHA256.hex(SHA256.hash($0)) } ?? ""
    }

    static func nowMs() -> Int64 { SystemClock.nowNs() / 1_000_000 }
}
