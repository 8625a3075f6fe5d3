import Alerting
import HostFS
import Inventory
import Journal
import PVCResolver
import Workloads

/// `storage-agent run`: one thread owns the index writer and runs a poll(2) loop over inotify and
/// a signalfd. The first change of a quiet period is looked at at once (once 10 ms pass with no
/// further event, so an rm -rf is one batch; at most 200 ms); a change within 200 ms of a batch
/// waits 200 ms, so a steady writer costs one batch per window. Only the directories inotify
/// named are re-read; a reconcile scan every `index.rescan_interval` (and after a queue overflow, a reload or a
/// change in a storage root) catches everything else. The clock-based rules run on a 30 s tick.
/// The configured commands (pv_command, crictl_command) run on the command worker's thread,
/// never on this one: a full scan starts when their answers come in.
final class Daemon {
    var context: Context
    let configPath: String?
    var inventory: Inventory
    let inotify: Inotify
    let signals: SignalDescriptor
    let systemd = SystemdNotifier()
    let commands: CommandWorker
    /// crictl's last answer (container names for mounts and writable layers).
    var containers = ContainerMounts()
    /// Why the full scan waiting for the command worker was asked for; the worker runs its job.
    var fullScanReason: String?
    var fullScanJobRunning = false
    /// Asked for while the worker ran a full scan's job for what may be an older configuration.
    var fullScanAgain: String?
    /// The tick asks crictl once for the next one's names.
    var containersWanted = false
    var readySent = false
    var alerts: AlertCycle
    private var indexHealth: IndexHealth
    var resolution = Resolution(volumes: [], problems: [])

    /// inotify watch descriptor -> (volume path, the directory's row): no path per watch.
    var watches: [Int32: (volume: String, dir: Int64)] = [:]
    var rootWatches: [Int32: String] = [:]
    var dirty: [String: [Int64: DirtyDirectory]] = [:]
    var needFullScan = false
    /// When the first and the latest pending change came (monotonic; `batchDueNs`).
    var firstPendingNs: Int64?
    var lastPendingNs: Int64 = 0
    /// When the last inotify batch ended (monotonic), and how many ran at once or after the window.
    var lastBatchNs = Int64.min / 4
    var batches = (atOnce: 0, windowed: 0)
    private var nextReconcileNs: Int64 = 0
    private var nextTickNs: Int64 = 0
    /// WATCHDOG=1 from progress (nil when systemd asked for none): moved by the walker per file
    /// and per MiB read, so a huge file feeds the watchdog and a stuck read does not.
    var watchdog: WatchdogFeed?
    let progress = WorkProgress()
    /// Set while a stall is being reported (logged once, then in STATUS=).
    var stallLogged = false
    var stopRequested = false
    /// What `run` returns: 0, or 75 to be restarted by the unit (`RestartForceExitStatus=`).
    var exitStatus: Int32 = 0
    /// The running configuration: when it was loaded and the file's bytes then (nil: defaults).
    var configLoadedNs = SystemClock.nowNs()
    var configBytes: [UInt8]?
    /// What the file on disk says against the running one, checked on the tick (not per batch).
    var configDrift: String?
    /// What the unit let this process write (nil when not started by systemd).
    let granted = WritablePaths.granted()
    var watchLimitReached = false
    /// Directories walked but not watched (over `index.max_watches`), by volume: re-read on the tick.
    var polled: [String: Set<Int64>] = [:]
    var lastScanMs: Int64 = 0
    /// Allocated space per volume path from the last full scan (du is a walk; every cycle until
    /// the next full scan reuses it: stranded data, the metrics textfile).
    var allocated: [String: DiskUsage.Usage] = [:]
    /// What was last logged of each friendly link (a conflict is logged once).
    private var linkLog = LinkLog()
    var lastMetricsNs: Int64 = 0
    /// The metrics textfile last noted in the state directory's list (for the package's purge).
    var textfileNoted: String?

    static let tickNs: Int64 = 30_000_000_000
    /// A deadline that is not set (far away, but safe to add to).
    static let never = Int64.max / 4

    init(context: Context, configPath: String?, signals: SignalDescriptor) throws(AgentError) {
        self.context = context
        self.configPath = configPath
        self.signals = signals
        inventory = try context.openInventory()
        do { inotify = try Inotify(budget: context.config.watchBudget) } catch {
            throw AgentError(.ioError, "cannot start inotify: \(error.message)")
        }
        do { commands = try CommandWorker() } catch {
            throw AgentError(.ioError, "cannot start the command worker: \(error.message)")
        }
        alerts = AlertCycle(settings: context.config.alertSettings, sink: JournalSink())
        indexHealth = IndexHealth(inventory)
        watchdog = systemd.watchdogIntervalNs.map { WatchdogFeed(intervalNs: $0, now: SystemClock.monotonicNs()) }
        configLoaded()
    }

    /// Runs until SIGTERM or SIGINT; returns the exit status.
    func run() -> Int32 {
        Log.info(
            "storage-agent starting: index \(context.config.database), roots \(context.config.storageRoots.joined(separator: ", "))"
        )
        heartbeat(.start)
        // READY=1 once the start scan is done; the loop serves signals and the watchdog meanwhile.
        nextReconcileNs = Self.never
        nextTickNs = Self.never
        requestFullScan(reason: "start")
        while !stopRequested {
            let now = SystemClock.monotonicNs()
            var deadline = min(nextReconcileNs, nextTickNs)
            if let due = batchDueNs { deadline = min(deadline, due) }
            if let watchdog { deadline = min(deadline, watchdog.lastSentNs + watchdog.intervalNs) }
            let timeoutMs = Int32(clamping: max(0, (deadline - now + 999_999) / 1_000_000))
            let ready: [Bool]
            switch Poll.readable([inotify.fd, signals.fd, commands.fd], timeoutMs: timeoutMs) {
            case .success(let r): ready = r
            case .failure(let e):
                Log.error("poll failed: \(e)")
                return 74
            }
            if ready[1] { handleSignals() }
            if stopRequested { break }
            if ready[0] { handle(inotify.readEvents()) }
            if ready[2] { commandsAnswered() }
            feedWatchdog(busy: false)
            let after = SystemClock.monotonicNs()
            if needFullScan || after >= nextReconcileNs {
                requestFullScan(reason: needFullScan ? "change in a storage root" : "reconcile")
            } else if let due = batchDueNs, after >= due {
                partialScan()
            } else if after >= nextTickNs {
                evaluate(clockRules(AlertCycle.Inputs()))
                checkConfigFile()
                systemd.status(status())
                heartbeat(.tick)
                nextTickNs = after + Self.tickNs
                pollUnwatched()
                containersWanted = Observations(context: context).wantsMounts
                startCommands()
            }
        }
        return stop()
    }

    private func stop() -> Int32 {
        systemd.stopping()
        heartbeat(.stop)
        Log.info(exitStatus == 0 ? "stopping" : "stopping to be restarted (exit status \(exitStatus))")
        return exitStatus
    }

    // MARK: - The schedule

    /// A full scan, once the command worker has the PV list and crictl's names; until then the
    /// loop goes on (inotify batches on the volumes known so far, signals, the watchdog).
    private func requestFullScan(reason: String) {
        needFullScan = false
        nextReconcileNs = Self.never
        if fullScanJobRunning {
            fullScanAgain = fullScanAgain ?? reason
            return
        }
        fullScanReason = fullScanReason ?? reason
        startCommands()
    }

    /// Start, reconcile, reload or a change in a storage root: everything is looked at.
    func fullScan(reason: String, resolution: Resolution) {
        heartbeat(.fullScanStarting)
        dirty.removeAll()
        firstPendingNs = nil
        // Everything is walked again: what is still over the budget is polled from this report.
        polled.removeAll()
        self.resolution = resolution
        watchRoots()
        let observe = Observations(context: context)
        if let report = scan(only: nil) {
            watches = watches.filter { resolution.volumes.map(\.path).contains($0.value.volume) }
            Log.info(
                "scan (\(reason)): \(report.volumes) volumes, \(report.files) files, \(report.counted) counted, \(report.deleted) deleted in \(report.durationNs / 1_000_000) ms"
            )
            heartbeat(.fullScanDone(reason: reason, durationNs: report.durationNs))
            if restartIfExposuresChanged() { return }
            let ownership = VolumeOwnership(config: context.config).fixAll(resolution.volumes, only: nil)
            var inputs = observe.reconcile(inventory, allocated: &allocated, containers: containers)
            inputs.changes = report.events
            inputs.events = ownership + TreeRules.events(report.skipped, volumes: resolution.volumes)
            inputs.links = observe.applyLinks(inventory, log: &linkLog)
            evaluate(clockRules(inputs))
            writeMetrics(force: true)
        } else {
            var inputs = AlertCycle.Inputs()
            inputs.links = observe.applyLinks(inventory, log: &linkLog)
            evaluate(clockRules(inputs))
        }
        let now = SystemClock.monotonicNs()
        // Without inotify coverage, reconcile sooner: that is all that sees changes then.
        let interval = watchLimitReached ? min(context.config.rescanInterval, 60) : context.config.rescanInterval
        nextReconcileNs = now + interval * 1_000_000_000
        nextTickNs = now + Self.tickNs
        systemd.status(status())
    }

    /// An inotify batch: only the named directories, and no rule that aggregates over every file.
    private func partialScan() {
        let (only, names) = dirtyPaths()
        dirty.removeAll()
        if let first = firstPendingNs, Self.startsQuietPeriod(first: first, lastBatch: lastBatchNs) {
            batches.atOnce += 1
        } else {
            batches.windowed += 1
        }
        firstPendingNs = nil
        defer { lastBatchNs = SystemClock.monotonicNs() }
        if let report = scan(only: only, names: names) {
            var inputs = AlertCycle.Inputs()
            inputs.changes = report.events
            inputs.events =
                VolumeOwnership(config: context.config).fixAll(resolution.volumes, only: only)
                + TreeRules.events(report.skipped, volumes: resolution.volumes)
            evaluate(inputs)
            writeMetrics(force: false)
        }
        systemd.status(status())
        heartbeat(.batch)
    }

    /// The clock-based rules' inputs (track-stale, track-gap, volume-unmounted): tick and full scans.
    private func clockRules(_ inputs: AlertCycle.Inputs) -> AlertCycle.Inputs {
        var inputs = inputs
        inputs.clock = true
        let observe = Observations(context: context)
        inputs.mounts = observe.mounts(inventory, finder: containers)
        guard context.config.rescue.enabled else {
            observe.rememberLayers(inventory)
            return inputs
        }
        // The rescue walks the layers (remembering them) on every tick: an exited container's
        // layer is copied from within one tick of its stop, before the runtime removes it.
        let rescued = observe.rescue(inventory, containers: containers, files: inputs.layers) {
            self.feedWatchdog(busy: true)
            if let signal = self.signals.next() { self.handleSignal(signal) }
            return !self.stopRequested
        }
        if let rescued {
            inputs.layers = rescued.files
            inputs.rescue = rescued.outcome
        }
        return inputs
    }

    /// One scan with index-error kept in step; nil when it failed or was cancelled.
    private func scan(only: [String: [[UInt8]]]?, names: [String: [[UInt8]: Set<[UInt8]>]] = [:]) -> ScanReport? {
        let started = SystemClock.monotonicNs()
        let now = SystemClock.nowNs() / 1_000_000_000
        do {
            var options = context.scanOptions
            options.progress = progress
            // Woken often enough to feed the watchdog on time while the walker is in one file.
            let wake = watchdog.map { max(min($0.intervalNs / 4, 1_000_000_000), 10_000_000) } ?? 1_000_000_000
            let report = try inventory.scan(
                resolution, options: options, only: only, names: names, inotify: inotify, wakeEveryNs: wake
            ) {
                self.feedWatchdog(busy: true)
                if let signal = self.signals.next() { self.handleSignal(signal) }
                return !self.stopRequested
            }
            lastScanMs = (SystemClock.monotonicNs() - started) / 1_000_000
            record(report)
            indexHealth.recovered(inventory, engine: alerts.engine, now: now)
            return report
        } catch {
            if error.kind == .cancelled { return nil }
            Log.error("scan failed: \(error.description)")
            if error.kind == .corrupt, let reopened = try? Inventory(path: context.config.database) {
                inventory = reopened
                needFullScan = true
            }
            indexHealth.failed(
                inventory, database: context.config.database, reason: error.description, engine: alerts.engine,
                now: now)
            return nil
        }
    }

    private func evaluate(_ inputs: AlertCycle.Inputs) {
        var inputs = inputs
        inputs.problems = resolution.problems
        inputs.allocated = allocated
        do {
            try alerts.run(inventory, inputs, now: SystemClock.nowNs() / 1_000_000_000)
        } catch {
            Log.error("alerts could not be evaluated: \(error.description)")
        }
    }
}
