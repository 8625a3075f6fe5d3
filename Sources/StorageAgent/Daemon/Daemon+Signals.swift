import Alerting
import HostFS
import Journal

/// SIGHUP reloads (a bad file keeps the running config), SIGTERM and SIGINT stop; the watchdog
/// is fed from the loop and, during a scan, from the walker's progress, so a stuck loop or a
/// stuck walker misses it.
extension Daemon {
    func handleSignals() {
        while let signal = signals.next() { handleSignal(signal) }
    }

    func handleSignal(_ signal: Int32) {
        switch signal {
        case Signal.hangup: reload()
        default:
            Log.info("received signal \(signal)")
            stopRequested = true
        }
    }

    func reload() {
        systemd.reloading()
        do {
            var fresh = try Context(configPath: configPath, database: nil, storageRoots: [])
            // Command-line overrides stay in force across reloads.
            fresh.config.database = context.config.database
            if context.storageRootsFromCommandLine { fresh.config.storageRoots = context.config.storageRoots }
            fresh.storageRootsFromCommandLine = context.storageRootsFromCommandLine
            // Applied by the next process, which the unit starts with the new directories: this
            // one would only fail where they are read-only.
            if restartIfWritablePathsChanged() { return systemd.ready(status: status()) }
            context = fresh
            configLoaded()
            alerts.reconfigure(fresh.config.alertSettings)
            inotify.setBudget(fresh.config.watchBudget)
            needFullScan = true
            Log.info("configuration reloaded from \(fresh.config.source ?? "built-in defaults")")
        } catch {
            Log.error("reload failed, keeping the previous configuration: \(error.message)")
            checkConfigFile()
        }
        systemd.ready(status: status())
    }

    /// The unit's mount namespace is fixed when the process starts: when the reload's unit-sync
    /// granted other directories than this process has, exit to be started again with them.
    func restartIfWritablePathsChanged() -> Bool {
        guard let granted else { return false }
        let now = WritablePaths.current()
        guard now != granted else { return false }
        let shown = now.paths.isEmpty ? "none" : now.paths.joined(separator: ", ")
        Log.notice("the configuration needs other writable directories (\(shown)); restarting to be granted them")
        exitStatus = 75
        stopRequested = true
        return true
    }

    /// WATCHDOG=1 when due: from the loop (`busy` false) always, during a scan only when the
    /// walker moved since the last one. A stall is logged once and shown in STATUS= every time
    /// the watchdog goes unfed, until systemd's WatchdogSec= runs out and it restarts the service.
    func feedWatchdog(busy: Bool) {
        guard var feed = watchdog else { return }
        let decision = feed.decide(now: SystemClock.monotonicNs(), steps: progress.steps, busy: busy)
        watchdog = feed
        switch decision {
        case .wait: return
        case .send:
            if stallLogged { Log.info("the scan moves again") }
            stallLogged = false
            systemd.watchdog()
        case .withhold(let stalledNs):
            let what = "the scan made no progress for \(stalledNs / 1_000_000_000) s (a read that does not return?)"
            if !stallLogged { Log.warning(what + "; the watchdog is not fed, so systemd restarts the service") }
            stallLogged = true
            systemd.status("stalled: " + what + "; " + status())
        }
    }
}
