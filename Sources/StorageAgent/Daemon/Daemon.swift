import Glibc
import HostFS
import Inventory
import PVCResolver

/// `storage-agent run`: one thread owns the index writer and runs a poll(2) loop over inotify and
/// a signalfd. Changes are batched for 200 ms and only the directories inotify named are re-read;
/// a reconcile scan every `index.rescan_interval` (and after a queue overflow, a reload or a
/// change in a storage root) catches everything else.
final class Daemon {
    private var context: Context
    private let configPath: String?
    private var inventory: Inventory
    private let inotify: Inotify
    private let signals: SignalDescriptor
    private let systemd = SystemdNotifier()
    private var rules: AlertRules
    private var engine: AlertEngine
    private var resolution = Resolution(volumes: [], problems: [])

    /// inotify watch descriptor -> (volume path, directory relative to it).
    private var watches: [Int32: (volume: String, path: [UInt8])] = [:]
    private var rootWatches: [Int32: String] = [:]
    private var dirty: [String: Set<[UInt8]>] = [:]
    private var needFullScan = false
    private var firstPendingNs: Int64?
    private var nextReconcileNs: Int64 = 0
    private var nextTickNs: Int64 = 0
    private var lastWatchdogNs: Int64 = 0
    private var stopRequested = false
    private var watchLimitReached = false
    private var lastScanMs: Int64 = 0
    /// index-error is kept here first: while the index cannot be written, neither can its alert.
    private var indexError: AlertRecord?
    /// Allocated bytes per volume path from the last reconcile (du is a walk; scans reuse it).
    private var usedBytes: [String: Int64] = [:]
    private var lastMetricsNs: Int64 = 0
    /// Claim -> since when (unix seconds) an expected mount has been missing.
    private var unmountedSince: [String: Int64] = [:]

    static let batchWindowNs: Int64 = 200_000_000
    static let tickNs: Int64 = 30_000_000_000

    init(context: Context, configPath: String?, signals: SignalDescriptor) throws(AgentError) {
        self.context = context
        self.configPath = configPath
        self.signals = signals
        inventory = try context.openInventory()
        do { inotify = try Inotify() } catch { throw AgentError(.ioError, "cannot start inotify: \(error.message)") }
        rules = AlertRules(config: context.config)
        engine = AlertEngine(renotify: context.config.renotify, maxPerCycle: context.config.maxPerCycle)
        indexError = try? inventory.alerts(includeResolved: false).first { $0.type == AlertType.indexError.rawValue }
    }

    /// Runs until SIGTERM or SIGINT; returns the exit status.
    func run() -> Int32 {
        Log.info(
            "storage-agent starting: index \(context.config.database), roots \(context.config.storageRoots.joined(separator: ", "))"
        )
        fullScan(reason: "start")
        guard !stopRequested else { return stop() }
        systemd.ready(status: status())
        Log.info("ready: \(status())")
        while !stopRequested {
            let now = SystemClock.monotonicNs()
            var deadline = min(nextReconcileNs, nextTickNs)
            if let first = firstPendingNs { deadline = min(deadline, first + Self.batchWindowNs) }
            if let interval = systemd.watchdogIntervalNs { deadline = min(deadline, lastWatchdogNs + interval) }
            var fds = [
                pollfd(fd: inotify.fd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: signals.fd, events: Int16(POLLIN), revents: 0),
            ]
            let timeoutMs = Int32(clamping: max(0, (deadline - now + 999_999) / 1_000_000))
            if poll(&fds, 2, timeoutMs) < 0 && errno != EINTR {
                Log.error("poll failed: \(String(cString: strerror(errno)))")
                return 74
            }
            if fds[1].revents != 0 { handleSignals() }
            if fds[0].revents != 0 { handle(inotify.readEvents()) }
            pingWatchdogIfDue()
            let after = SystemClock.monotonicNs()
            if needFullScan || after >= nextReconcileNs {
                fullScan(reason: needFullScan ? "change in a storage root" : "reconcile")
            } else if let first = firstPendingNs, after >= first + Self.batchWindowNs {
                partialScan()
            } else if after >= nextTickNs {
                evaluateAlerts(events: [], problems: resolution.problems)
                nextTickNs = after + Self.tickNs
            }
        }
        return stop()
    }

    private func stop() -> Int32 {
        systemd.stopping()
        Log.info("stopping")
        return 0
    }

    // MARK: - Scans

    private func fullScan(reason: String) {
        needFullScan = false
        dirty.removeAll()
        firstPendingNs = nil
        resolution = context.resolve()
        watchRoots()
        if let report = scan(only: nil) {
            watches = watches.filter { resolution.volumes.map(\.path).contains($0.value.volume) }
            Log.info(
                "scan (\(reason)): \(report.volumes) volumes, \(report.files) files, \(report.counted) counted, \(report.deleted) deleted in \(report.durationNs / 1_000_000) ms"
            )
            let ownership = fixOwnership(only: nil)
            evaluateAlerts(
                events: report.events, problems: resolution.problems, links: applyLinks(), extra: ownership,
                reconcile: reconcileConditions())
            writeMetrics(force: true)
        } else {
            evaluateAlerts(events: [], problems: resolution.problems, links: applyLinks())
        }
        let now = SystemClock.monotonicNs()
        // Without inotify coverage, reconcile sooner: that is all that sees changes then.
        let interval = watchLimitReached ? min(context.config.rescanInterval, 60) : context.config.rescanInterval
        nextReconcileNs = now + interval * 1_000_000_000
        nextTickNs = now + Self.tickNs
        systemd.status(status())
    }

    private func partialScan() {
        let only = dirty.mapValues { Array($0) }
        dirty.removeAll()
        firstPendingNs = nil
        if let report = scan(only: only) {
            evaluateAlerts(
                events: report.events, problems: resolution.problems, extra: fixOwnership(only: only), timeBased: false)
            writeMetrics(force: false)
        }
        systemd.status(status())
    }

    /// One scan with the index-error alert kept in step; nil when it failed.
    private func scan(only: [String: [[UInt8]]]?) -> ScanReport? {
        let started = SystemClock.monotonicNs()
        do {
            let report = try inventory.scan(resolution, options: context.scanOptions, only: only, inotify: inotify) {
                self.pingWatchdogIfDue()
                if let signal = self.signals.next() { self.handleSignal(signal) }
                return !self.stopRequested
            }
            lastScanMs = (SystemClock.monotonicNs() - started) / 1_000_000
            record(report)
            _ = try? engine.cycle(
                inventory: inventory, conditions: [], evaluated: [.indexError], events: [],
                now: SystemClock.nowNs() / 1_000_000_000)
            return report
        } catch {
            if error.kind == .cancelled { return nil }
            Log.error("scan failed: \(error.description)")
            if error.kind == .corrupt, let reopened = try? Inventory(path: context.config.database) {
                inventory = reopened
                needFullScan = true
            }
            indexFailed(error)
            return nil
        }
    }

    private func indexFailed(_ error: InventoryError) {
        guard indexError == nil else { return }
        let condition = AlertCondition(
            type: .indexError, subject: context.config.database,
            message: "The index \(context.config.database) could not be updated: \(error.description)")
        let record = engine.record(from: condition, now: SystemClock.nowNs() / 1_000_000_000)
        engine.sink.send(record, type: .indexError, state: .firing)
        indexError = record
        try? inventory.saveAlerts([record])
    }

    private func indexRecovered() {
        guard var record = indexError else { return }
        let now = SystemClock.nowNs() / 1_000_000_000
        record.state = "resolved"
        record.resolvedAt = now
        record.lastNotified = now
        engine.sink.send(record, type: .indexError, state: .resolved)
        indexError = nil
        try? inventory.saveAlerts([record])
    }

    private func record(_ report: ScanReport) {
        for (volume, list) in report.watches {
            for w in list { watches[w.wd] = (volume, w.path) }
        }
        for skipped in report.skipped { Log.warning("skipped \(skipped.path): \(skipped.reason)") }
        if let limit = report.watchErrors.first(where: { $0.errno == ENOSPC }), !watchLimitReached {
            watchLimitReached = true
            Log.warning(
                "inotify watch limit reached (\(limit.path)); raise fs.inotify.max_user_watches. Until then changes are found by reconcile scans every minute"
            )
        }
    }

    /// - Parameters:
    ///   - links: link states when they were checked this cycle (their alerts can resolve).
    ///   - extra: event alerts found elsewhere (ownership).
    ///   - timeBased: also evaluate the rules that depend on the clock (track-stale, track-gap).
    ///     They aggregate over every file, so they run on the 30 s tick and full scans only, not
    ///     after each inotify batch.
    private func evaluateAlerts(
        events: [ChangeEvent], problems: [ResolveProblem], links: [LinkStatus]? = nil, extra: [AlertCondition] = [],
        timeBased: Bool = true, reconcile: [AlertCondition]? = nil
    ) {
        let now = SystemClock.nowNs() / 1_000_000_000
        do {
            let volumes = try inventory.volumes(includeGone: false)
            var conditions = rules.volumeConditions(volumes: volumes, problems: problems)
            var evaluated = AlertRules.volumeTypes
            if timeBased {
                conditions += rules.trackConditions(
                    lastWrites: try inventory.trackLastWrites(), volumes: volumes, now: now)
                conditions += mountConditions(volumes, now: now)
                evaluated.formUnion([.trackStale, .volumeUnmounted])
            }
            if let links {
                conditions += AlertRules.linkConditions(links)
                evaluated.formUnion([.linkConflict, .linkUnreachable])
            }
            if let reconcile {
                conditions += reconcile
                evaluated.formUnion([.capacity, .ephemeralWrites])
            }
            var eventConditions = rules.eventConditions(
                events, volumes: try inventory.volumes(includeGone: true), now: now)
            if timeBased {
                let known = Set(
                    try inventory.alerts(includeResolved: true).filter { $0.type == AlertType.trackGap.rawValue }.map(
                        \.subject))
                eventConditions += try rules.gapConditions(inventory, now: now, known: known)
            }
            try engine.cycle(
                inventory: inventory, conditions: conditions, evaluated: evaluated, events: eventConditions + extra,
                now: now)
        } catch {
            Log.error("alerts could not be evaluated: \(error.description)")
        }
    }

    /// `volume-unmounted` after `alerts.mount_grace` (a rollout is not an incident).
    private func mountConditions(_ volumes: [VolumeRecord], now: Int64) -> [AlertCondition] {
        guard context.config.volumes.contains(where: { $0.expect && $0.mount != nil }) else { return [] }
        let finder = context.containerMounts()
        let containers = finder.containers()
        let missing = AlertRules.unmountedClaims(
            context.config, mounts: finder.scan(volumes: volumes, containers: containers), containers: containers)
        let claims = Set(missing.map(\.claim))
        unmountedSince = unmountedSince.filter { claims.contains($0.key) }
        return missing.compactMap { v in
            let since = unmountedSince[v.claim] ?? now
            unmountedSince[v.claim] = since
            return now - since >= context.config.mountGrace
                ? AlertRules.unmountedCondition(v, since: since, now: now) : nil
        }
    }

    /// The node_exporter textfile (`metrics.textfile`): after every full scan, and at most every
    /// 15 s after inotify batches (each write is an fsync and a rename). Used bytes come from the
    /// last reconcile's walk.
    private func writeMetrics(force: Bool) {
        guard let path = context.config.metricsTextfile else { return }
        let now = SystemClock.monotonicNs()
        guard force || now - lastMetricsNs >= 15_000_000_000 else { return }
        lastMetricsNs = now
        do {
            try Metrics.writeTextfile(path, inventory: inventory, usedBytes: usedBytes)
        } catch {
            Log.error("metrics: \(error.message)")
        }
    }

    /// What only a reconcile looks at, because it walks more than the index: allocated bytes
    /// against capacity (du), free space, and containers' writable layers.
    private func reconcileConditions() -> [AlertCondition] {
        let volumes = (try? inventory.volumes()) ?? []
        var free: [String: Double] = [:]
        for v in volumes where v.state != "stale" {
            if let space = try? Descriptor.openDirectory(path: v.path).fileSystemSpace(), space.totalBytes > 0 {
                free[v.path] = space.freePercent
            }
        }
        if context.config.metricsTextfile != nil || volumes.contains(where: { $0.capacity != nil }) {
            usedBytes = Metrics.usedBytes(volumePaths: volumes.map(\.path)) { path, error in
                Log.warning("cannot measure \(path): \(error.message)")
            }
        }
        let ephemeral = EphemeralScanner(config: context.config).scan()
        if !ephemeral.isEmpty { Log.warning("\(ephemeral.count) tracked files live in container writable layers") }
        return AlertRules.capacityConditions(volumes, used: usedBytes, freePercent: free)
            + AlertRules.ephemeralConditions(ephemeral)
    }

    /// Links are made true on start, on volume changes and on every reconcile (k3s's `chmod 700`
    /// masks the ACL entry that makes them reachable).
    private func applyLinks() -> [LinkStatus]? {
        guard context.config.volumes.contains(where: { $0.link != nil }) else { return [] }
        guard let volumes = try? inventory.volumes() else { return nil }
        let statuses = LinkManager(config: context.config, volumes: volumes).run(apply: true)
        for s in statuses where s.state != .ok { Log.warning("link \(s.link): \(s.state.rawValue): \(s.detail)") }
        return statuses
    }

    /// Gives fix_ownership volumes to their owner: whole volumes on reconcile, only the
    /// directories inotify named otherwise.
    private func fixOwnership(only: [String: [[UInt8]]]?) -> [AlertCondition] {
        let ownership = VolumeOwnership(config: context.config)
        var conditions: [AlertCondition] = []
        for volume in resolution.volumes where volume.state != .stale {
            guard let owner = ownership.owner(for: volume) else { continue }
            if let only, only[volume.path] == nil { continue }
            let report = ownership.fix(volume, owner: owner, directories: only?[volume.path])
            if report.changed > 0 {
                Log.notice("ownership: \(report.changed) entries in \(volume.path) given to \(owner)")
            }
            conditions += VolumeOwnership.conditions(report, volume: volume, owner: owner)
        }
        return conditions
    }

    private func status() -> String {
        let volumes = (try? inventory.volumes()) ?? []
        let files = volumes.reduce(0) { $0 + $1.files }
        let firing = (try? inventory.alerts(includeResolved: false).count) ?? 0
        return "\(volumes.count) volumes, \(files) files indexed, \(firing) alerts firing; last scan \(lastScanMs) ms"
    }

    // MARK: - Events

    private func watchRoots() {
        let mask =
            Inotify.Event.create | Inotify.Event.delete | Inotify.Event.movedFrom | Inotify.Event.movedTo
            | Inotify.Event.deleteSelf | Inotify.Event.moveSelf | Inotify.Event.onlyDir
        for root in context.config.storageRoots where !rootWatches.values.contains(root) {
            guard let dir = try? Descriptor.openDirectory(path: root), let wd = try? inotify.watch(dir, mask: mask)
            else {
                continue
            }
            rootWatches[wd] = root
        }
    }

    func handle(_ events: [Inotify.Event]) {
        for event in events {
            if event.has(Inotify.Event.overflow) {
                Log.warning("inotify queue overflowed; rescanning everything")
                needFullScan = true
                continue
            }
            if rootWatches[event.wd] != nil {
                if event.has(Inotify.Event.ignored) { rootWatches[event.wd] = nil }
                // A volume directory appeared, vanished or moved, or the root itself did.
                needFullScan = true
                continue
            }
            guard let (volume, path) = watches[event.wd] else { continue }
            if event.has(Inotify.Event.ignored) {
                watches[event.wd] = nil
                continue
            }
            if event.has(Inotify.Event.deleteSelf) || event.has(Inotify.Event.moveSelf) { continue }
            if !event.has(Inotify.Event.isDirectory) {
                // Only files the index cares about make a directory worth re-reading.
                let matches = event.name.withUnsafeBufferPointer { name in
                    (event.name + [0]).withUnsafeBufferPointer { c in
                        c.baseAddress!.withMemoryRebound(to: CChar.self, capacity: name.count + 1) { p in
                            context.config.include.contains { $0.matches(p, length: name.count) }
                        }
                    }
                }
                guard matches else { continue }
            }
            dirty[volume, default: []].insert(path)
            if firstPendingNs == nil { firstPendingNs = SystemClock.monotonicNs() }
        }
    }

    // MARK: - Signals and watchdog

    private func handleSignals() {
        while let signal = signals.next() { handleSignal(signal) }
    }

    private func handleSignal(_ signal: Int32) {
        switch signal {
        case SIGHUP: reload()
        default:
            Log.info("received signal \(signal)")
            stopRequested = true
        }
    }

    private func reload() {
        systemd.reloading()
        do {
            var fresh = try Context(configPath: configPath, database: nil, storageRoots: [])
            // Command-line overrides stay in force across reloads.
            fresh.config.database = context.config.database
            if context.storageRootsFromCommandLine { fresh.config.storageRoots = context.config.storageRoots }
            fresh.storageRootsFromCommandLine = context.storageRootsFromCommandLine
            context = fresh
            rules = AlertRules(config: fresh.config)
            engine = AlertEngine(renotify: fresh.config.renotify, maxPerCycle: fresh.config.maxPerCycle)
            needFullScan = true
            Log.info("configuration reloaded from \(fresh.config.source ?? "built-in defaults")")
        } catch {
            Log.error("reload failed, keeping the previous configuration: \(error.message)")
        }
        systemd.ready(status: status())
    }

    private func pingWatchdogIfDue() {
        guard let interval = systemd.watchdogIntervalNs else { return }
        let now = SystemClock.monotonicNs()
        if now - lastWatchdogNs >= interval {
            systemd.watchdog()
            lastWatchdogNs = now
        }
    }
}
