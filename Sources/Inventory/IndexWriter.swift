import HostFS
import PVCResolver

/// Applies what the walker found to the index. Owns the write connection during a scan;
/// one transaction per volume, so a stopped scan never leaves half a volume written.
final class IndexWriter {
    let db: Database
    let now: Int64
    var report = ScanReport()
    /// Rows of `files` written (inserted, updated, marked deleted), committed or not.
    private(set) var filesWritten = 0
    private var inTransaction = false
    /// Rows made for directories new to the index, by the walk's number for them (one volume).
    private var newDirs: [Int: Int64] = [:]
    private var volumePaths: [Int64: String] = [:]
    /// Changes to the current volume's totals, for partial walks.
    private var deltaFiles = 0
    private var deltaBytes: Int64 = 0
    private var deltaLastWrite: Int64 = 0
    private let upsertVolumeStmt, updateVolumeStmt, adjustVolumeStmt, liveVolumesStmt, goneVolumeStmt: Statement
    private let insertDir, setDigest, insertFile, updateFile, updateMeta, markDeleted, insertEvent,
        insertScan: Statement

    init(_ db: Database, now: Int64) throws(SQLiteError) {
        self.db = db
        self.now = now
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
            "UPDATE volumes SET uid = ?2, gid = ?3, files = ?4, bytes = ?5, last_write_ns = ?6, last_scan = ?7 WHERE id = ?1"
        )
        adjustVolumeStmt = try db.prepare(
            """
            UPDATE volumes SET uid = ?2, gid = ?3, files = files + ?4, bytes = bytes + ?5,
                last_write_ns = max(coalesce(last_write_ns, 0), ?6), last_scan = ?7 WHERE id = ?1
            """)
        liveVolumesStmt = try db.prepare("SELECT id, path FROM volumes WHERE gone_at IS NULL")
        goneVolumeStmt = try db.prepare("UPDATE volumes SET gone_at = ?2, files = 0, bytes = 0 WHERE id = ?1")
        insertDir = try db.prepare("INSERT INTO dirs (volume_id, parent, name) VALUES (?1, ?2, ?3)")
        setDigest = try db.prepare("UPDATE dirs SET digest = ?2 WHERE id = ?1")
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
        updateMeta = try db.prepare(
            "UPDATE files SET ctime_ns = ?2, uid = ?3, gid = ?4, track = ?5, last_seen = ?6 WHERE id = ?1")
        markDeleted = try db.prepare("UPDATE files SET deleted_at = ?2 WHERE id = ?1")
        insertEvent = try db.prepare(
            "INSERT INTO events (at, type, volume_id, file_id, old_size, new_size) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        insertScan = try db.prepare(
            """
            INSERT INTO scans (started, finished, duration_ms, volumes, files, counted, skipped)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            """)
    }

    func upsertVolume(_ v: Volume) throws(SQLiteError) -> Int64 {
        upsertVolumeStmt.bind(
            .text(v.path), .text(v.namespace), .text(v.pvc), .text(v.pv), .text(v.state.rawValue),
            .text(v.source.rawValue), .int(v.capacity), .int(v.createdNs), .int(now))
        guard try upsertVolumeStmt.step() else { return 0 }
        let id = upsertVolumeStmt.int(0)
        try upsertVolumeStmt.run()
        volumePaths[id] = v.path
        return id
    }

    func liveVolumes() throws(SQLiteError) -> [(Int64, String)] {
        liveVolumesStmt.bind()
        var result: [(Int64, String)] = []
        while try liveVolumesStmt.step() { result.append((liveVolumesStmt.int(0), liveVolumesStmt.text(1) ?? "")) }
        for (id, path) in result { volumePaths[id] = path }
        return result
    }

    func apply(_ item: WalkItem) throws(SQLiteError) {
        if !inTransaction {
            try db.execute("BEGIN IMMEDIATE")
            inTransaction = true
        }
        switch item {
        case .directory(let batch): try apply(batch)
        case .volumeDone(let t):
            if t.partial {
                try adjustVolumeStmt.bind(
                    .int(t.volumeID), .int(t.uid), .int(t.gid), .int(deltaFiles), .int(deltaBytes),
                    .int(deltaLastWrite),
                    .int(now)
                ).run()
            } else {
                try updateVolumeStmt.bind(
                    .int(t.volumeID), .int(t.uid), .int(t.gid), .int(t.files), .int(t.bytes),
                    .int(t.lastWriteNs == 0 ? nil : t.lastWriteNs), .int(now)
                ).run()
            }
            (deltaFiles, deltaBytes, deltaLastWrite) = (0, 0, 0)
            report.files += t.files
            report.bytes += t.bytes
            report.counted += t.counted
            report.listed += t.listed
            report.skipped += t.skipped
            if let path = volumePaths[t.volumeID] {
                let watched = t.watches.compactMap { w in row(w.dir).map { WatchedDirectory(wd: w.wd, dirID: $0) } }
                if !watched.isEmpty { report.watches[path, default: []] += watched }
                let unwatched = t.unwatched.compactMap(row)
                if !unwatched.isEmpty { report.unwatched[path, default: []] += unwatched }
            }
            report.watchErrors += t.watchErrors
            try commit()
        }
    }

    /// Marks a volume whose directory is gone; its file deletions were applied before.
    func markGone(_ volumeID: Int64) throws(SQLiteError) {
        if !inTransaction {
            try db.execute("BEGIN IMMEDIATE")
            inTransaction = true
        }
        try goneVolumeStmt.bind(.int(volumeID), .int(now)).run()
        try commit()
    }

    func commit() throws(SQLiteError) {
        (deltaFiles, deltaBytes, deltaLastWrite) = (0, 0, 0)
        guard inTransaction else { return }
        try db.execute("COMMIT")
        inTransaction = false
        newDirs.removeAll(keepingCapacity: true)
    }

    func rollback() {
        if inTransaction { try? db.execute("ROLLBACK") }
        inTransaction = false
    }

    func recordScan(started: Int64, durationNs: Int64, volumes: Int) throws(SQLiteError) {
        try insertScan.bind(
            .int(started), .int(SystemClock.nowNs() / 1_000_000_000), .int(durationNs / 1_000_000), .int(volumes),
            .int(report.files),
            .int(report.counted), .int(report.skipped.count)
        ).run()
    }

    private func apply(_ batch: DirectoryBatch) throws(SQLiteError) {
        let dirID = try directoryID(batch)
        for f in batch.inserts {
            let c = f.classification
            let s = f.stat
            try insertFile.bind(
                .int(batch.volumeID), .int(dirID), .blob(f.name), .text(c.kind), .text(c.track), .text(c.date),
                .int(c.hour),
                .int(f.size), .int(f.lines), .int(s.mtimeNs), .int(s.ctimeNs), .int(s.inode), .int(s.device),
                .int(s.uid),
                .int(s.gid), .int(now)
            ).run()
        }
        report.created += batch.inserts.count
        filesWritten += batch.inserts.count + batch.updates.count + batch.metadata.count + batch.deletions.count
        for f in batch.inserts {
            deltaFiles += 1
            deltaBytes += f.size
            deltaLastWrite = max(deltaLastWrite, f.stat.mtimeNs)
        }
        for u in batch.updates {
            let c = u.facts.classification
            let s = u.facts.stat
            try updateFile.bind(
                .int(u.id), .text(c.kind), .text(c.track), .text(c.date), .int(c.hour), .int(u.facts.size),
                .int(u.facts.lines),
                .int(s.mtimeNs), .int(s.ctimeNs), .int(s.inode), .int(s.device), .int(s.uid), .int(s.gid), .int(now)
            ).run()
            if u.revived { report.created += 1 } else { report.changed += 1 }
            deltaFiles += u.revived ? 1 : 0
            deltaBytes += u.facts.size - (u.revived ? 0 : u.oldSize)
            deltaLastWrite = max(deltaLastWrite, s.mtimeNs)
            if let kind = u.event {
                let relative = batch.path.isEmpty ? u.facts.name : batch.path + [0x2F] + u.facts.name
                try event(
                    kind, batch.volumeID, u.id, relative, c.track, old: u.oldSize, new: u.facts.size, mtimeNs: s.mtimeNs
                )
            }
        }
        for m in batch.metadata {
            try updateMeta.bind(.int(m.id), .int(m.ctimeNs), .int(m.uid), .int(m.gid), .text(m.track), .int(now)).run()
        }
        for d in batch.deletions {
            try markDeleted.bind(.int(d.id), .int(now)).run()
            report.deleted += 1
            deltaFiles -= 1
            deltaBytes -= d.size
            try event(
                .deleted, batch.volumeID, d.id, d.relativePath, d.track, old: d.size, new: nil, mtimeNs: d.mtimeNs)
        }
        if let digest = batch.digest { try setDigest.bind(.int(dirID), .int(Int64(bitPattern: digest))).run() }
    }

    /// The row of a directory of this volume's walk, when it has one (a new one's first batch makes it).
    private func row(_ dir: DirRef) -> Int64? {
        switch dir {
        case .known(let id): id
        case .new(let n): newDirs[n]
        }
    }

    private func directoryID(_ batch: DirectoryBatch) throws(SQLiteError) -> Int64 {
        if let id = row(batch.dir) { return id }
        guard case .new(let n) = batch.dir, let parent = batch.parent.map(row) ?? 0 else {
            // The walk announces every directory before its children: this is a bug, not the disk.
            throw SQLiteError(code: 21, message: "a directory came before its parent", path: db.path)
        }
        try insertDir.bind(.int(batch.volumeID), .int(parent), .blob(batch.name)).run()
        let id = db.lastInsertRowID
        newDirs[n] = id
        return id
    }

    private func event(
        _ kind: ChangeEvent.Kind, _ volumeID: Int64, _ fileID: Int64, _ relative: [UInt8], _ track: String?,
        old: Int64?,
        new: Int64?, mtimeNs: Int64
    ) throws(SQLiteError) {
        try insertEvent.bind(.int(now), .text(kind.rawValue), .int(volumeID), .int(fileID), .int(old), .int(new)).run()
        report.events.append(
            ChangeEvent(
                kind: kind, volumePath: volumePaths[volumeID] ?? "", relativePath: relative, track: track, oldSize: old,
                newSize: new, mtimeNs: mtimeNs))
    }
}
