import Alerting
import HostFS
import Journal

/// SIGHUP reloads (a bad file keeps the running config), SIGTERM and SIGINT stop; the watchdog
/// is fed from the loop and between scan batches, so a stuck loop misses it.
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

    func pingWatchdogIfDue() {
        guard let interval = systemd.watchdogIntervalNs else { return }
        let now = SystemClock.monotonicNs()
        if now - lastWatchdogNs >= interval {
            systemd.watchdog()
            lastWatchdogNs = now
        }
    }
}
