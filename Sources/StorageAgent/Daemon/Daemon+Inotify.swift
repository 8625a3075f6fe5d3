import HostFS
import Inventory
import Journal

/// The daemon's file-system events: which directories are dirty, when a full scan is due.
extension Daemon {
    func record(_ report: ScanReport) {
        let before = polled.values.reduce(0) { $0 + $1.count }
        for (volume, list) in report.watches {
            for w in list {
                watches[w.wd] = (volume, w.dirID)
                polled[volume]?.remove(w.dirID)
            }
        }
        for (volume, paths) in report.unwatched { polled[volume, default: []].formUnion(paths) }
        let after = polled.values.reduce(0) { $0 + $1.count }
        if before == 0 && after > 0 {
            Log.warning(
                "inotify: \(inotify.watching) directories watched, the agent's budget (index.max_watches); \(after) more are re-read every \(Self.tickNs / 1_000_000_000) s instead"
            )
        }
        for skipped in report.skipped { Log.warning("skipped \(skipped.path): \(skipped.reason)") }
        if let limit = report.watchErrors.first(where: { $0.code == .noSpace }), !watchLimitReached {
            watchLimitReached = true
            Log.warning(
                "inotify watch limit reached (\(limit.path)); raise fs.inotify.max_user_watches. Until then changes are found by reconcile scans every minute"
            )
        }
    }

    /// The dirty directories' paths, put together from the index only now, and the names to
    /// look at in each (a directory re-read whole has none).
    func dirtyPaths() -> (only: [String: [[UInt8]]], names: [String: [[UInt8]: Set<[UInt8]>]]) {
        guard let paths = try? inventory.relativePaths(ofDirectories: dirty.values.flatMap(\.keys)) else {
            needFullScan = true  // the index cannot say where they are: the reconcile finds out
            return ([:], [:])
        }
        var only: [String: [[UInt8]]] = [:]
        var names: [String: [[UInt8]: Set<[UInt8]>]] = [:]
        for (volume, directories) in dirty {
            for (id, wanted) in directories {
                guard let path = paths[id] else { continue }
                only[volume, default: []].append(path)
                if !wanted.whole { names[volume, default: [:]][path] = wanted.names }
            }
        }
        return (only, names)
    }

    /// Notes that a directory needs a look: `name` (when given) or, with `whole`, all of it.
    /// A directory named with no name (an event on itself) is handed to ownership fixing only.
    func mark(_ volume: String, _ dir: Int64, name: [UInt8]? = nil, whole: Bool = false) {
        var wanted = dirty[volume]?[dir] ?? DirtyDirectory()
        if whole { wanted.whole = true }
        if let name, !wanted.whole {
            wanted.names.insert(name)
            // So many names that one listing is cheaper than looking at each.
            if wanted.names.count > DirtyDirectory.maxNames { wanted = DirtyDirectory(whole: true) }
        }
        dirty[volume, default: [:]][dir] = wanted
        let now = SystemClock.monotonicNs()
        if firstPendingNs == nil { firstPendingNs = now }
        lastPendingNs = now
    }

    /// When the pending changes are looked at. The first change of a quiet period (no batch in
    /// the last window): once the changes have been quiet for `settleNs` (the rest of a write's or
    /// an rm -rf's events come with the first), at most one window after it. A change within a
    /// window of the last batch: one window after it, as a busy directory's always were. So a lone
    /// rm reaches the journal in milliseconds, a quick burst is one batch (one file-vanished entry
    /// for an rm -rf), and a steady writer costs one batch per window, no more than before.
    var batchDueNs: Int64? {
        guard let first = firstPendingNs else { return nil }
        guard Self.startsQuietPeriod(first: first, lastBatch: lastBatchNs) else { return first + Self.batchWindowNs }
        return min(lastPendingNs + Self.settleNs, first + Self.batchWindowNs)
    }

    static let batchWindowNs: Int64 = 200_000_000
    static let settleNs: Int64 = 10_000_000

    static func startsQuietPeriod(first: Int64, lastBatch: Int64) -> Bool { first - lastBatch >= batchWindowNs }

    /// Directories over the watch budget are looked at on every tick, like the ones inotify names.
    func pollUnwatched() {
        let live = Set(resolution.volumes.map(\.path))
        polled = polled.filter { live.contains($0.key) && !$0.value.isEmpty }
        guard !polled.isEmpty else { return }
        for (volume, ids) in polled {
            for id in ids { mark(volume, id, whole: true) }
        }
    }

    func watchRoots() {
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
                if event.has(Inotify.Event.ignored) {
                    rootWatches[event.wd] = nil
                    inotify.forget(event.wd)
                }
                // A volume directory appeared, vanished or moved, or the root itself did.
                needFullScan = true
                continue
            }
            guard let (volume, dir) = watches[event.wd] else { continue }
            if event.has(Inotify.Event.ignored) {
                watches[event.wd] = nil
                inotify.forget(event.wd)
                continue
            }
            if event.has(Inotify.Event.deleteSelf) || event.has(Inotify.Event.moveSelf) { continue }
            if event.name.isEmpty {
                mark(volume, dir)  // the directory itself changed (its mode or owner)
                continue
            }
            if event.has(Inotify.Event.isDirectory) {
                let entries =
                    Inotify.Event.create | Inotify.Event.delete | Inotify.Event.movedFrom | Inotify.Event.movedTo
                // A subdirectory came or went; other events on one are its owner's or mode's.
                mark(volume, dir, name: event.mask & entries != 0 ? event.name : nil)
                continue
            }
            // Only files the index cares about make a directory worth looking at.
            let matches = event.name.withUnsafeBufferPointer { name in
                (event.name + [0]).withUnsafeBufferPointer { c in
                    c.baseAddress!.withMemoryRebound(to: CChar.self, capacity: name.count + 1) { p in
                        context.config.include.contains { $0.matches(p, length: name.count) }
                    }
                }
            }
            guard matches else { continue }
            mark(volume, dir, name: event.name)
        }
    }
}

/// What an inotify batch looks at in one directory: the names its events named, or (polled,
/// or too many names) all of it.
struct DirtyDirectory {
    var names: Set<[UInt8]> = []
    var whole = false

    static let maxNames = 4096
}
