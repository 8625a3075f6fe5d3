import CSQLite

/// The walker's own read-only view of the index: one connection, one snapshot for the scan.
final class IndexReader {
    let db: Database
    private let selectDirs, selectFiles, liveInDir, selectFile: Statement

    struct Row {
        var id: Int64
        var inode: UInt64
        var size: Int64
        var mtimeNs: Int64
        var ctimeNs: Int64
        var lines: Int64
        var deleted: Bool
        var track: String?
    }

    struct LiveRow {
        var id: Int64
        var name: [UInt8]
        var size: Int64
        var mtimeNs: Int64
        var track: String?
    }

    init(_ db: Database) throws(SQLiteError) {
        self.db = db
        selectDirs = try db.prepare("SELECT id, parent, name, digest FROM dirs WHERE volume_id = ?1")
        selectFiles = try db.prepare(
            "SELECT id, name, inode, size, mtime_ns, ctime_ns, lines, deleted_at, track FROM files WHERE dir_id = ?1")
        selectFile = try db.prepare(
            "SELECT id, inode, size, mtime_ns, ctime_ns, lines, deleted_at, track FROM files WHERE dir_id = ?1 AND name = ?2"
        )
        liveInDir = try db.prepare(
            "SELECT id, name, size, mtime_ns, track FROM files WHERE dir_id = ?1 AND deleted_at IS NULL")
    }

    /// Opens a second connection to `path` for reading while the writer writes.
    convenience init(path: String, busyTimeoutMs: Int32) throws(SQLiteError) {
        let db = try Database(path: path, flags: SQLITE_OPEN_READONLY)
        sqlite3_busy_timeout(db.handle, busyTimeoutMs)
        // Point lookups by directory: a small cache is enough and keeps a million-file scan lean.
        try db.execute("PRAGMA cache_size=-1000")
        try self.init(db)
    }

    struct KnownDirectory {
        var id: Int64
        var digest: UInt64?
    }

    /// A volume's directories as the index has them: by parent id (0 above the root), then name.
    struct KnownTree {
        var children: [Int64: [NameKey: KnownDirectory]] = [:]

        var root: KnownDirectory? { children[0]?[NameKey(bytes: [])] }

        func child(of parent: Int64, _ name: [UInt8]) -> KnownDirectory? { children[parent]?[NameKey(bytes: name)] }
    }

    func directories(_ volumeID: Int64) throws(SQLiteError) -> KnownTree {
        selectDirs.bind(.int(volumeID))
        var tree = KnownTree()
        while try selectDirs.step() {
            tree.children[selectDirs.int(1), default: [:]][NameKey(bytes: selectDirs.blob(2))] = KnownDirectory(
                id: selectDirs.int(0), digest: selectDirs.optionalInt(3).map { UInt64(bitPattern: $0) })
        }
        return tree
    }

    /// The secret that keys directory digests.
    func digestSecret() throws(SQLiteError) -> Int64 {
        try db.scalar("SELECT value FROM meta WHERE key = 'digest_key'") ?? 0
    }

    func files(inDirectory id: Int64) throws(SQLiteError) -> [NameKey: Row] {
        let s = selectFiles
        s.bind(.int(id))
        var rows: [NameKey: Row] = [:]
        while try s.step() {
            rows[NameKey(bytes: s.blob(1))] = Row(
                id: s.int(0), inode: UInt64(bitPattern: s.int(2)), size: s.int(3), mtimeNs: s.int(4), ctimeNs: s.int(5),
                lines: s.int(6), deleted: s.optionalInt(7) != nil, track: s.text(8))
        }
        return rows
    }

    /// One file's row, by the unique (directory, name).
    func file(inDirectory id: Int64, named name: [UInt8]) throws(SQLiteError) -> Row? {
        let s = selectFile
        s.bind(.int(id), .blob(name))
        guard try s.step() else { return nil }
        return Row(
            id: s.int(0), inode: UInt64(bitPattern: s.int(1)), size: s.int(2), mtimeNs: s.int(3), ctimeNs: s.int(4),
            lines: s.int(5), deleted: s.optionalInt(6) != nil, track: s.text(7))
    }

    func liveFiles(inDirectory id: Int64) throws(SQLiteError) -> [LiveRow] {
        liveInDir.bind(.int(id))
        var out: [LiveRow] = []
        while try liveInDir.step() {
            out.append(
                LiveRow(
                    id: liveInDir.int(0), name: liveInDir.blob(1), size: liveInDir.int(2), mtimeNs: liveInDir.int(3),
                    track: liveInDir.text(4)))
        }
        return out
    }
}
