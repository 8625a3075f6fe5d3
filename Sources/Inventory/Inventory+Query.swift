import HostFS
import PVCResolver

/// One indexed file as `query` reports it.
package struct FileRecord: Sendable, Equatable {
    package var volumePath: String
    package var namespace: String?
    package var pvc: String?
    package var pv: String?
    /// The absolute host path as raw bytes.
    package var pathBytes: [UInt8]
    package var kind: String
    package var track: String?
    package var date: String?
    package var hour: Int?
    package var size: Int64
    package var lines: Int64
    package var mtimeNs: Int64
    package var uid: UInt32
    package var gid: UInt32
    package var deletedAt: Int64?
    /// The state of the volume directory holding the file: a stale directory's files are not
    /// the live PVC's.
    package var volumeState: VolumeState = .unknown

    /// Raw bytes relative to the volume.
    package var relativePath: [UInt8] { Array(pathBytes.dropFirst(volumePath.utf8.count + 1)) }
}

/// Which files `query` wants; nil fields do not filter.
package struct FileFilter: Sendable {
    package var track: String?
    package var date: String?
    /// Dates from `since` through `until` (YYYYMMDD, inclusive; either may be open). A range
    /// leaves out files whose name carries no date.
    package var since: String?
    package var until: String?
    package var namespace: String?
    package var pvc: String?
    /// One volume directory, by the PV name the index holds for it.
    package var pv: String?
    package var kind: String?
    package var includeDeleted = false

    package init(
        track: String? = nil, date: String? = nil, namespace: String? = nil, pvc: String? = nil, pv: String? = nil,
        kind: String? = nil, includeDeleted: Bool = false, since: String? = nil, until: String? = nil
    ) {
        self.track = track
        self.date = date
        self.since = since
        self.until = until
        self.namespace = namespace
        self.pvc = pvc
        self.pv = pv
        self.kind = kind
        self.includeDeleted = includeDeleted
    }
}

/// One volume as the index knows it, with its totals from the last scan.
package struct VolumeRecord: Sendable, Equatable {
    package var id: Int64
    package var path: String
    package var namespace: String?
    package var pvc: String?
    package var pv: String?
    package var state: VolumeState
    package var source: String
    package var capacity: Int64?
    package var uid: UInt32?
    package var gid: UInt32?
    package var files: Int64
    package var bytes: Int64
    package var lastWriteNs: Int64?
    package var lastScan: Int64?
    package var goneAt: Int64?

    package var claim: String? {
        guard let namespace, let pvc else { return nil }
        return "\(namespace)/\(pvc)"
    }
}

extension Inventory {
    /// Files matching `filter`, sorted by host path (bytewise).
    package func files(_ filter: FileFilter) throws(InventoryError) -> [FileRecord] {
        let (sql, values) = Self.fileSelect(filter)
        return try guarded {
            // Volume strings are read once and shared by every row of that volume; a directory's
            // path is put together from (parent, name) once and shared by its files.
            var volumes: [Int64: VolumeRecord] = [:]
            for v in try self.volumes(includeGone: true) { volumes[v.id] = v }
            let directories = try DirectoryPaths(db)
            let s = try db.prepare(sql)
            for (i, v) in values.enumerated() { s.bind(v, at: Int32(i + 1)) }
            var out: [FileRecord] = []
            while try s.step() {
                guard let directory = try directories.path(s.int(0)) else { continue }
                let volume = volumes[s.int(2)]
                var path = Array((volume?.path ?? "").utf8)
                path.append(0x2F)
                if !directory.isEmpty {
                    path += directory
                    path.append(0x2F)
                }
                path += s.blob(1)
                out.append(
                    FileRecord(
                        volumePath: volume?.path ?? "", namespace: volume?.namespace, pvc: volume?.pvc, pv: volume?.pv,
                        pathBytes: path, kind: s.text(3) ?? "", track: s.text(4), date: s.text(5),
                        hour: s.optionalInt(6).map { Int($0) }, size: s.int(7), lines: s.int(8), mtimeNs: s.int(9),
                        uid: UInt32(truncatingIfNeeded: s.int(10)), gid: UInt32(truncatingIfNeeded: s.int(11)),
                        deletedAt: s.optionalInt(12), volumeState: volume?.state ?? .unknown))
            }
            // Bytewise, as memcmp orders them (what SQLite's BINARY collation did before).
            return FileRecord.sortedByPath(out)
        }
    }

    /// Relative paths of directories of the index (`[]` for a volume's root), put together from
    /// their rows; ids the index does not have are left out.
    package func relativePaths(ofDirectories ids: some Sequence<Int64>) throws(InventoryError) -> [Int64: [UInt8]] {
        try guarded {
            let directories = try DirectoryPaths(db)
            var out: [Int64: [UInt8]] = [:]
            for id in ids { out[id] = try directories.path(id) }
            return out
        }
    }

    /// Volumes in the index; gone ones only when asked.
    package func volumes(includeGone: Bool = false) throws(InventoryError) -> [VolumeRecord] {
        try guarded {
            let s = try db.prepare(
                """
                SELECT id, path, namespace, pvc, pv, state, source, capacity, uid, gid, files, bytes, last_write_ns,
                       last_scan, gone_at
                FROM volumes \(includeGone ? "" : "WHERE gone_at IS NULL") ORDER BY namespace, pvc, path
                """)
            var out: [VolumeRecord] = []
            while try s.step() {
                out.append(
                    VolumeRecord(
                        id: s.int(0), path: s.text(1) ?? "", namespace: s.text(2), pvc: s.text(3), pv: s.text(4),
                        state: VolumeState(rawValue: s.text(5) ?? "") ?? .unknown, source: s.text(6) ?? "dirname",
                        capacity: s.optionalInt(7),
                        uid: s.optionalInt(8).map { UInt32(truncatingIfNeeded: $0) },
                        gid: s.optionalInt(9).map { UInt32(truncatingIfNeeded: $0) }, files: s.int(10),
                        bytes: s.int(11),
                        lastWriteNs: s.optionalInt(12), lastScan: s.optionalInt(13), goneAt: s.optionalInt(14)))
            }
            return out
        }
    }

    /// Unix time of the last finished scan, or nil when the index was never filled.
    package func lastScanTime() throws(InventoryError) -> Int64? {
        try guarded { try db.scalar("SELECT max(finished) FROM scans") }
    }
}
