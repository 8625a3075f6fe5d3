import Alerting
import HostFS
import Inventory

/// `storage-agent status` worked out from the index alone: the heartbeat the daemon keeps there,
/// its firing alerts, the rescue area's use and the index's size.
struct StatusReport {
    enum State: String {
        case running, stuck
        case notRunning = "not-running"
    }

    /// The configuration file on disk against the one the daemon loaded.
    enum ConfigOnDisk: String {
        case same, changed, gone, unreadable
    }

    var state = State.notRunning
    var heartbeat = Heartbeat()
    var nowMs = Heartbeat.nowMs()
    /// Where the configuration was compared (the daemon's file, or the default path).
    var configFile = Config.defaultPath
    var configOnDisk = ConfigOnDisk.same
    var firing: [(type: String, count: Int64)] = []
    var rescueBytes: Int64 = 0
    var rescueMaxBytes: Int64 = 0
    var indexSize: (database: Int64, wal: Int64) = (0, 0)
    /// Why it is degraded (exit 1); empty when healthy.
    var problems: [String] = []
    /// False when there is no index file at all (nothing else to say).
    var indexExists = false

    /// A heartbeat older than this many ticks, from a live daemon, means its loop is stuck.
    static let stuckAfterTicks: Int64 = 3
    /// Firing alerts of these types say the agent cannot do its job (it cannot read its roots or
    /// write its index): they make it degraded. Every other alert is about the data and has
    /// `storage-agent alerts`; `status` counts them but stays healthy.
    static let degradingAlerts: [AlertType] = [.indexError, .storageRootUnavailable]

    /// LSB status codes: 0 healthy, 1 degraded, 3 not running.
    var exitCode: Int32 { state == .notRunning ? 3 : (problems.isEmpty ? 0 : 1) }

    var tickMs: Int64 { heartbeat.tickMs ?? 30_000 }
    var ageMs: Int64? { heartbeat.at.map { max(0, nowMs - $0) } }

    init() {}

    /// Reads the index; `inventory` nil when there is no index file (never seen).
    init(_ inventory: Inventory?, config: Config) throws(AgentError) {
        rescueMaxBytes = config.rescue.maxBytes
        guard let inventory else { return }
        indexExists = true
        do {
            heartbeat = Heartbeat(try inventory.meta(prefix: Heartbeat.prefix))
            let alerts = try inventory.alerts(includeResolved: false)
            var counts: [String: Int64] = [:]
            for a in alerts { counts[a.type, default: 0] += 1 }
            firing = counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            let area = Array(config.rescue.directory.utf8) + [0x2F]
            rescueBytes = try inventory.rescued().filter { $0.rescuedPath.starts(with: area) }.reduce(0) {
                $0 + $1.bytes
            }
        } catch {
            throw AgentError(error)
        }
        indexSize = inventory.fileSizes
        state = Self.state(of: heartbeat, nowMs: nowMs)
        compareConfig()
        if state == .stuck {
            let age = ageMs ?? 0
            problems.append(
                "the daemon (pid \(heartbeat.pid ?? 0)) is alive but its last heartbeat was \(Self.span(age)) ago, more than \(Self.stuckAfterTicks) ticks of \(Self.span(tickMs))"
            )
        }
        for type in Self.degradingAlerts {
            if let n = firing.first(where: { $0.type == type.rawValue })?.count {
                problems.append("\(n) \(type.rawValue) alert\(n == 1 ? "" : "s") firing")
            }
        }
    }

    /// Running when the recorded pid is alive with the recorded start time in this boot and did
    /// not say it stopped; stuck when such a daemon has not beaten for `stuckAfterTicks` ticks.
    /// A full scan beats only at its start and end (the index's writer holds one transaction per
    /// volume): while one runs, the daemon is busy, not stuck; systemd's watchdog, fed by the
    /// scan's progress, is what ends a scan that stopped moving.
    static func state(of h: Heartbeat, nowMs: Int64) -> State {
        guard let pid = h.pid, let start = h.pidStart, h.stoppedAt == nil, let at = h.at else { return .notRunning }
        // Start times count from the boot: one from before a reboot names no process now. (A
        // boot id either side could not read is no evidence either way.)
        if let recorded = h.bootID, !recorded.isEmpty, let booted = ProcFS.bootID(), booted != recorded {
            return .notRunning
        }
        guard let live = ProcFS.startTime(pid: pid), Int64(bitPattern: live) == start else { return .notRunning }
        guard h.fullScanStartedAt == nil else { return .running }
        return nowMs - at > stuckAfterTicks * (h.tickMs ?? 30_000) ? .stuck : .running
    }

    /// Digests the file as the daemon does (its bytes, `sha256:`) against the loaded one's.
    private mutating func compareConfig() {
        let recorded = heartbeat.configPath ?? ""
        configFile = recorded.isEmpty ? Config.defaultPath : recorded
        let loaded = heartbeat.configDigest ?? ""
        switch readFile(configFile) {
        case .success(let bytes): configOnDisk = Heartbeat.digest(bytes) == loaded ? .same : .changed
        case .failure(let error) where error.isVanished: configOnDisk = loaded.isEmpty ? .same : .gone
        case .failure: configOnDisk = .unreadable
        }
    }

    /// `12 ms`, `5 s`, `3 min`, `2 h`, `4 d`: an age or a duration at a glance.
    static func span(_ ms: Int64) -> String {
        if ms < 1000 { return "\(ms) ms" }
        let s = ms / 1000
        if s < 120 { return "\(s) s" }
        if s < 7200 { return "\(s / 60) min" }
        if s < 172_800 { return "\(s / 3600) h" }
        return "\(s / 86400) d"
    }
}
