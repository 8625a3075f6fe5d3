import HostFS
import PVCResolver

extension Inventory {
    /// Brings the index up to date with the disk for every resolved volume.
    ///
    /// Incremental: a file with the same inode, size and mtime is not opened; one that grew is
    /// counted from its old size; one that shrank or changed inode is recounted. A vanished file
    /// keeps its row with `deleted_at` set. Unreadable subtrees are reported, never treated as
    /// deleted.
    public func scan(_ resolution: Resolution, options: ScanOptions) throws(InventoryError) -> ScanReport {
        let started = SystemClock.monotonicNs()
        var report = ScanReport()
        let now = options.nowNs / 1_000_000_000
        try guarded {
            let statements = try ScanStatements(db)
            var seen: Set<String> = []
            for volume in resolution.volumes {
                seen.insert(volume.path)
                try db.transaction {
                    let id = try statements.upsertVolume(volume, now: now)
                    var walker = VolumeWalker(
                        volumeID: id, volumePath: volume.path, statements: statements, options: options, now: now)
                    try walker.walk(volume)
                    report.merge(walker.report)
                }
            }
            // A volume directory that is gone takes its files with it, unless its root could not be read.
            let unreadable = resolution.problems.map(\.path)
            for (id, path) in try statements.liveVolumes() where !seen.contains(path) {
                if unreadable.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) { continue }
                try db.transaction {
                    var walker = VolumeWalker(volumeID: id, volumePath: path, statements: statements, options: options, now: now)
                    try walker.markVolumeGone()
                    report.merge(walker.report)
                }
            }
            report.volumes = resolution.volumes.count
            report.durationNs = SystemClock.monotonicNs() - started
            try statements.recordScan(report, started: now, finished: SystemClock.nowNs() / 1_000_000_000)
        }
        return report
    }
}

extension ScanReport {
    mutating func merge(_ other: ScanReport) {
        files += other.files
        bytes += other.bytes
        counted += other.counted
        created += other.created
        changed += other.changed
        deleted += other.deleted
        skipped += other.skipped
        events += other.events
    }
}

/// The statements a scan uses, prepared once per scan.
final class ScanStatements {
    let upsertVolumeStmt, updateVolumeStmt, liveVolumesStmt, goneVolumeStmt: Statement
    let selectDirs, insertDir, selectFiles, insertFile, updateFile, updateMeta, markDeleted, liveInDir: Statement
    let insertEvent, insertScan: Statement

    init(_ db: Database) throws(SQLiteError) {
        upsertVolumeStmt = try db.prepare(
            """
            INSERT INTO volumes (path, namespace, pvc, pv, state, source, capacity, created_ns, first_seen, last_seen)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
            ON CONFLICT (path) DO UPDATE SET namespace = excluded.namespace, pvc = excluded.pvc, pv = excluded.pv,
                state = excluded.state, source = excluded.source, capacity = excluded.capacity,
                created_ns = excluded.created_ns, last_seen = excluded.last_seen, gone_at = NULL
            RETURNING id
            """)
        updateVolumeStmt = try db.prepare(
            "UPDATE volumes SET uid = ?2, gid = ?3, files = ?4, bytes = ?5, last_write_ns = ?6, last_scan = ?7 WHERE id = ?1")
        liveVolumesStmt = try db.prepare("SELECT id, path FROM volumes WHERE gone_at IS NULL")
        goneVolumeStmt = try db.prepare("UPDATE volumes SET gone_at = ?2, files = 0, bytes = 0 WHERE id = ?1")
        selectDirs = try db.prepare("SELECT id, path FROM dirs WHERE volume_id = ?1")
        insertDir = try db.prepare("INSERT INTO dirs (volume_id, path) VALUES (?1, ?2)")
        selectFiles = try db.prepare(
            "SELECT id, name, inode, size, mtime_ns, ctime_ns, lines, deleted_at, track FROM files WHERE dir_id = ?1")
        insertFile = try db.prepare(
            """
            INSERT INTO files (volume_id, dir_id, name, kind, track, date, hour, size, lines, mtime_ns, ctime_ns,
                inode, device, uid, gid, first_seen, last_seen)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16)
            """)
        updateFile = try db.prepare(
            """
            UPDATE files SET kind = ?2, track = ?3, date = ?4, hour = ?5, size = ?6, lines = ?7, mtime_ns = ?8,
                ctime_ns = ?9, inode = ?10, device = ?11, uid = ?12, gid = ?13, last_seen = ?14, deleted_at = NULL
            WHERE id = ?1
            """)
        updateMeta = try db.prepare("UPDATE files SET ctime_ns = ?2, uid = ?3, gid = ?4, track = ?5, last_seen = ?6 WHERE id = ?1")
        markDeleted = try db.prepare("UPDATE files SET deleted_at = ?2 WHERE id = ?1")
        liveInDir = try db.prepare("SELECT id, name, size, mtime_ns, track FROM files WHERE dir_id = ?1 AND deleted_at IS NULL")
        insertEvent = try db.prepare(
            "INSERT INTO events (at, type, volume_id, file_id, old_size, new_size) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        insertScan = try db.prepare(
            """
            INSERT INTO scans (started, finished, duration_ms, volumes, files, counted, skipped)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            """)
    }

    func upsertVolume(_ v: Volume, now: Int64) throws(SQLiteError) -> Int64 {
        upsertVolumeStmt.bind(
            .text(v.path), .text(v.namespace), .text(v.pvc), .text(v.pv), .text(v.state.rawValue),
            .text(v.source.rawValue), .int(v.capacity), .int(v.createdNs), .int(now))
        guard try upsertVolumeStmt.step() else { return 0 }
        let id = upsertVolumeStmt.int(0)
        try upsertVolumeStmt.run()
        return id
    }

    func liveVolumes() throws(SQLiteError) -> [(Int64, String)] {
        liveVolumesStmt.bind()
        var result: [(Int64, String)] = []
        while try liveVolumesStmt.step() { result.append((liveVolumesStmt.int(0), liveVolumesStmt.text(1) ?? "")) }
        return result
    }

    func recordScan(_ r: ScanReport, started: Int64, finished: Int64) throws(SQLiteError) {
        try insertScan.bind(
            .int(started), .int(finished), .int(r.durationNs / 1_000_000), .int(r.volumes), .int(r.files),
            .int(r.counted), .int(r.skipped.count)
        ).run()
    }
}
