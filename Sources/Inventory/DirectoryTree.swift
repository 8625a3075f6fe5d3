/// Directories as a tree: each row is (parent, name), so a row costs its own name whatever its
/// depth. Full paths are put together only where they are shown (queries, events, the view).
enum DirectoryTree {
    static func table(_ name: String) -> String {
        """
        CREATE TABLE \(name) (
            id          INTEGER PRIMARY KEY,
            volume_id   INTEGER NOT NULL REFERENCES volumes(id),
            parent      INTEGER NOT NULL,         -- dirs.id of the directory holding it; 0 for the volume's root
            name        BLOB NOT NULL,            -- its own name, raw bytes; '' for the volume's root
            digest      INTEGER,                  -- keyed sum over its indexed files' identities (change detection)
            UNIQUE (parent, name, volume_id)
        );
        CREATE INDEX dirs_volume ON \(name) (volume_id);
        """
    }

    /// The operator's view, the same rows and paths as before: paths are joined by a recursive
    /// query over (parent, name).
    static let view = """
        CREATE VIEW file_paths AS
            WITH RECURSIVE dir_paths (id, path) AS (
                SELECT id, X'' FROM dirs WHERE parent = 0
                UNION ALL
                SELECT d.id, CASE WHEN p.path = X'' THEN d.name ELSE CAST(p.path || '/' || d.name AS BLOB) END
                FROM dirs d JOIN dir_paths p ON d.parent = p.id
            )
            SELECT f.id, v.path || '/' || CAST(CASE WHEN d.path = X'' THEN f.name ELSE d.path || '/' || f.name END AS TEXT) AS path,
                   v.namespace, v.pvc, v.pv, f.kind, f.track, f.date, f.hour, f.size, f.lines,
                   datetime(f.mtime_ns / 1000000000, 'unixepoch') AS mtime, f.uid, f.gid,
                   datetime(f.deleted_at, 'unixepoch') AS deleted
            FROM files f JOIN dir_paths d ON d.id = f.dir_id JOIN volumes v ON v.id = f.volume_id;
        """

    /// Migration 6: `dirs (volume_id, path)` becomes `dirs (volume_id, parent, name)`, keeping
    /// every id (files point at them) and digest. One row in memory at a time.
    static func migrate(_ db: Database) throws(SQLiteError) {
        // An index whose version was set back by hand may have the tree already.
        guard try db.scalar("SELECT count(*) FROM pragma_table_info('dirs') WHERE name = 'path'") == 1 else { return }
        try db.execute("DROP VIEW file_paths")
        try addMissingParents(db)
        try db.execute(table("dirs_tree"))
        try copyAsTree(db)
        try db.execute("DROP TABLE dirs; ALTER TABLE dirs_tree RENAME TO dirs")
        try db.execute(view)
    }

    /// Its statements end with it: the old table cannot be dropped while one is open.
    private static func copyAsTree(_ db: Database) throws(SQLiteError) {
        let rows = try db.prepare("SELECT id, volume_id, path, digest FROM dirs")
        let parentOf = try db.prepare("SELECT id FROM dirs WHERE volume_id = ?1 AND path = ?2")
        let insert = try db.prepare(
            "INSERT INTO dirs_tree (id, volume_id, parent, name, digest) VALUES (?1, ?2, ?3, ?4, ?5)")
        while try rows.step() {
            let path = rows.blob(2)
            var parent: Int64 = 0
            let (above, name) = split(path)
            if let above {
                parentOf.bind(.int(rows.int(1)), .blob(above))
                guard try parentOf.step() else { continue }  // added by addMissingParents: never
                parent = parentOf.int(0)
            }
            try insert.bind(.int(rows.int(0)), .int(rows.int(1)), .int(parent), .blob(name), .int(rows.optionalInt(3)))
                .run()
        }
    }

    /// A walk always announced a directory's parent before it, but an index is a file anyone
    /// with root may have edited: a directory whose parent has no row gets one, level by level.
    private static func addMissingParents(_ db: Database) throws(SQLiteError) {
        let rows = try db.prepare("SELECT volume_id, path FROM dirs WHERE path != X''")
        let exists = try db.prepare("SELECT 1 FROM dirs WHERE volume_id = ?1 AND path = ?2")
        let add = try db.prepare("INSERT OR IGNORE INTO dirs (volume_id, path) VALUES (?1, ?2)")
        while true {
            var missing: [(Int64, [UInt8])] = []
            rows.bind()
            while try rows.step() {
                let volume = rows.int(0)
                let above = split(rows.blob(1)).above ?? []
                exists.bind(.int(volume), .blob(above))
                if try !exists.step() { missing.append((volume, above)) }
            }
            guard !missing.isEmpty else { return }
            for (volume, path) in missing { try add.bind(.int(volume), .blob(path)).run() }
        }
    }

    /// `a/b/c` -> (`a/b`, `c`); `a` -> (`''`, `a`); the root `''` -> (nil, `''`).
    static func split(_ path: [UInt8]) -> (above: [UInt8]?, name: [UInt8]) {
        guard !path.isEmpty else { return (nil, []) }
        guard let slash = path.lastIndex(of: 0x2F) else { return ([], path) }
        return (Array(path[..<slash]), Array(path[(slash + 1)...]))
    }
}

/// Relative paths of directories, put together from (parent, name) when something is shown.
/// Directories whose paths were asked for are remembered for the lifetime of one query.
final class DirectoryPaths {
    private let lookup: Statement
    private var known: [Int64: [UInt8]] = [:]

    init(_ db: Database) throws(SQLiteError) {
        lookup = try db.prepare("SELECT parent, name FROM dirs WHERE id = ?1")
    }

    /// The path relative to its volume (`[]` for the root); nil when the row or one above it is missing.
    func path(_ id: Int64) throws(SQLiteError) -> [UInt8]? {
        if let p = known[id] { return p }
        var chain: [(Int64, [UInt8])] = []
        var base: [UInt8] = []
        var next = id
        var seen: Set<Int64> = []
        while true {
            if let p = known[next] {
                base = p
                break
            }
            guard seen.insert(next).inserted else { return nil }
            lookup.bind(.int(next))
            guard try lookup.step() else { return nil }
            let parent = lookup.int(0)
            let name = lookup.blob(1)
            if parent == 0 {
                known[next] = []
                break
            }
            chain.append((next, name))
            next = parent
        }
        for (dir, name) in chain.reversed() {
            base = base.isEmpty ? name : base + [0x2F] + name
            known[dir] = base
        }
        return base
    }
}
