import HostFS
import PVCResolver

extension Inventory {
    /// Brings the index up to date with the disk for every resolved volume.
    ///
    /// Incremental: a file with the same inode, size and mtime is not opened; one that grew is
    /// counted from its old size; one that shrank or changed inode is recounted. A vanished file
    /// keeps its row with `deleted_at` set. Unreadable subtrees are reported, never treated as
    /// deleted. The walk runs on its own thread with its own read connection while this thread
    /// writes, so file-system and SQLite work overlap on two cores.
    ///
    /// - Parameters:
    ///   - only: volume path -> directories to re-read (relative, raw); other volumes are left
    ///     alone and gone volumes are not looked for. nil walks everything.
    ///   - names: volume path -> directory of `only` -> the names inotify reported there: only
    ///     those are looked at (the directory is not listed). Directories not in it are re-read.
    ///   - inotify: watch every directory walked.
    ///   - progress: called on this thread after every applied batch, and every `wakeEveryNs`
    ///     while the walker has nothing for it (one large file, a stuck read): the daemon's
    ///     watchdog and signals. Returning false stops the scan, rolling back the volume in
    ///     progress (`Cancelled`).
    package func scan(
        _ resolution: Resolution, options: ScanOptions, only: [String: [[UInt8]]]? = nil,
        names: [String: [[UInt8]: Set<[UInt8]>]] = [:], inotify: Inotify? = nil,
        wakeEveryNs: Int64 = 1_000_000_000, progress: (() -> Bool)? = nil
    ) throws(InventoryError) -> ScanReport {
        let started = SystemClock.monotonicNs()
        let now = options.nowNs / 1_000_000_000
        return try guarded {
            let writer = try IndexWriter(db, now: now)
            defer { if writer.filesWritten > 0 { filesGeneration &+= 1 } }
            let volumes = resolution.volumes.filter { only == nil || only?[$0.path] != nil }
            let work: [(Volume, Int64)] = try db.transaction {
                try volumes.map { ($0, try writer.upsertVolume($0)) }
            }
            options.meter?.start(volumes: work.count)
            let queue = BatchQueue(capacity: 16)
            let dbPath = db.path
            let timeout = busyTimeoutMs
            let thread = WorkerThread {
                do {
                    let reader = try IndexReader(path: dbPath, busyTimeoutMs: timeout)
                    let key = DirectoryDigest.key(secret: try reader.digestSecret(), options: options)
                    let buffer = LineCountBuffer()
                    for (volume, id) in work {
                        var walker = VolumeWalker(
                            volumeID: id, volumePath: volume.path, reader: reader, options: options, buffer: buffer,
                            digestKey: key, inotify: inotify, emit: queue.push)
                        try walker.walk(volume, only: only?[volume.path], names: names[volume.path] ?? [:])
                        options.meter?.volumeDone()
                    }
                    queue.finish()
                } catch let error as SQLiteError {
                    queue.finish(error: error)
                } catch {
                    queue.finish()  // stopped by the writer, which has the error
                }
            }
            do {
                consuming: while true {
                    switch queue.pop(waitingAtMostNs: wakeEveryNs) {
                    case .item(let item): try writer.apply(item)
                    case .waiting: break
                    case .end: break consuming
                    }
                    if let progress, !progress() { throw InventoryError(.cancelled, path: path, detail: "stopped") }
                }
            } catch {
                queue.cancel()
                thread.join()
                writer.rollback()
                throw error
            }
            thread.join()
            if let error = queue.producerError {
                writer.rollback()
                throw error
            }
            if only == nil { try markGoneVolumes(resolution, writer: writer, options: options) }
            try writer.recordScan(started: now, durationNs: SystemClock.monotonicNs() - started, volumes: work.count)
            var report = writer.report
            report.volumes = work.count
            report.durationNs = SystemClock.monotonicNs() - started
            return report
        }
    }

    /// A volume directory that is gone takes its files with it, unless its root could not be read.
    private func markGoneVolumes(_ resolution: Resolution, writer: IndexWriter, options: ScanOptions) throws {
        let present = Set(resolution.volumes.map(\.path))
        let unreadable = resolution.problems.map(\.path)
        let reader = try IndexReader(db)
        for (id, path) in try writer.liveVolumes() where !present.contains(path) {
            if unreadable.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) { continue }
            var failure: (any Error)?
            var walker = VolumeWalker(
                volumeID: id, volumePath: path, reader: reader, options: options,
                buffer: LineCountBuffer(capacity: 4096),
                digestKey: 0,
                emit: { item in
                    do {
                        try writer.apply(item)
                        return true
                    } catch {
                        failure = error
                        return false
                    }
                })
            do {
                try walker.walkGone()
            } catch {
                writer.rollback()
                throw failure ?? error
            }
            try writer.markGone(id)
        }
    }
}
