import HostFS
import Inventory
import Journal

/// What the daemon says of itself (STATUS=, the `ready:` line) and the running configuration's
/// drift against the file on disk.
extension Daemon {
    /// The node_exporter textfile (`metrics.textfile`): after every full scan, and at most every
    /// 15 s after inotify batches (each write is an fsync and a rename).
    func writeMetrics(force: Bool) {
        guard let path = context.config.metricsTextfile else { return }
        let now = SystemClock.monotonicNs()
        guard force || now - lastMetricsNs >= 15_000_000_000 else { return }
        lastMetricsNs = now
        do {
            try Metrics.writeTextfile(
                path, inventory: inventory, usedBytes: allocated.mapValues(\.bytes), watches: watchCounts)
        } catch {
            Log.error("metrics: \(error.message)")
            return
        }
        if textfileNoted != path { noteTextfile(path) }
    }

    /// Adds `path` to `metrics-textfiles` beside the index (one path per line), which the package's
    /// purge reads to remove what the agent wrote: node_exporter would serve its series forever.
    func noteTextfile(_ path: String) {
        let database = context.config.database
        let directory = database.lastIndex(of: "/").map { String(database[..<$0]) } ?? "."
        let listName = "metrics-textfiles"
        var paths = ((try? readFile(directory + "/" + listName).get()) ?? []).split(separator: 0x0A).map {
            String(decoding: $0, as: UTF8.self)
        }
        if !paths.contains(path) { paths.append(path) }
        do {
            let dir = try Descriptor.openDirectory(path: directory.isEmpty ? "/" : directory)
            try dir.replaceFile(
                named: listName, temporary: ".\(listName).\(CurrentProcess.id).tmp",
                contents: Array(paths.map { $0 + "\n" }.joined().utf8), mode: 0o600)
            textfileNoted = path
        } catch {
            Log.error("cannot note the metrics textfile in \(directory)/\(listName): \(error.message)")
            textfileNoted = path  // logged once; the purge then leaves this file to the operator
        }
    }

    func status() -> String {
        let volumes = (try? inventory.volumes()) ?? []
        let files = volumes.reduce(0) { $0 + $1.files }
        let firing = (try? inventory.alerts(includeResolved: false).count) ?? 0
        let watches = watchCounts
        return "\(volumes.count) volumes, \(files) files indexed, \(firing) alerts firing; last scan \(lastScanMs) ms; "
            + "\(watches.watched) directories watched, \(watches.polled) polled; "
            + "inotify batches \(batches.atOnce) at once, \(batches.windowed) after the window; " + configStatus()
    }

    /// Directories watched with inotify and polled on the tick (over `index.max_watches`).
    var watchCounts: MetricsRenderer.Watches {
        MetricsRenderer.Watches(watched: inotify.watching, polled: polled.values.reduce(0) { $0 + $1.count })
    }

    /// Notes the configuration just taken: when, and the file's bytes then.
    func configLoaded() {
        configLoadedNs = SystemClock.nowNs()
        configBytes = context.config.source.flatMap { try? readFile($0).get() }
        configDrift = nil
    }

    /// Compares the file on disk with the running configuration (one small read, on the tick).
    func checkConfigFile() {
        let source = context.config.source ?? configPath ?? Config.defaultPath
        let onDisk = try? readFile(source).get()
        configDrift = onDisk == configBytes ? nil : "\(source) \(onDisk == nil ? "is gone" : "changed") since"
    }

    /// When the running configuration was loaded, and whether the file on disk says otherwise.
    func configStatus() -> String {
        let loaded = "config loaded \(SystemClock.rfc3339(ns: configLoadedNs))"
        return configDrift.map { loaded + "; \($0) (systemctl reload storage-agent)" } ?? loaded
    }
}
