/// The index schema, as ordered migrations. `PRAGMA user_version` is the number applied.
/// Never edit a shipped migration: append a new one.
enum Schema {
    /// One step: SQL, or code for what SQL cannot say (splitting raw byte paths).
    enum Migration: ExpressibleByStringLiteral, Sendable {
        case sql(String)
        case code(@Sendable (Database) throws(SQLiteError) -> Void)

        init(stringLiteral sql: String) { self = .sql(sql) }
    }

    static let migrations: [Migration] = [
        // 1: volumes, directories, files, change events, scans, meta (the digest key).
        """
        CREATE TABLE volumes (
            id          INTEGER PRIMARY KEY,
            path        TEXT NOT NULL UNIQUE,     -- absolute host path of the volume directory
            namespace   TEXT,
            pvc         TEXT,
            pv          TEXT,
            state       TEXT NOT NULL,            -- current | stale | orphan | unknown
            source      TEXT NOT NULL,            -- dirname | pattern | api | config
            capacity    INTEGER,                  -- bytes, from the PV or the config
            uid         INTEGER,                  -- owner of the volume directory
            gid         INTEGER,
            created_ns  INTEGER,                  -- PV creation or directory birth time
            files       INTEGER NOT NULL DEFAULT 0,  -- live indexed files at the last scan
            bytes       INTEGER NOT NULL DEFAULT 0,  -- their total size
            last_write_ns INTEGER,                -- newest mtime among them
            first_seen  INTEGER NOT NULL,         -- unix seconds
            last_seen   INTEGER NOT NULL,
            last_scan   INTEGER,
            gone_at     INTEGER                   -- set when the directory disappeared
        );
        CREATE TABLE dirs (
            id          INTEGER PRIMARY KEY,
            volume_id   INTEGER NOT NULL REFERENCES volumes(id),
            path        BLOB NOT NULL,            -- raw bytes relative to the volume, '' for its root
            digest      INTEGER,                  -- keyed sum over its indexed files' identities (change detection)
            UNIQUE (volume_id, path)
        );
        CREATE TABLE files (
            id          INTEGER PRIMARY KEY,
            volume_id   INTEGER NOT NULL REFERENCES volumes(id),
            dir_id      INTEGER NOT NULL REFERENCES dirs(id),
            name        BLOB NOT NULL,            -- raw bytes
            kind        TEXT NOT NULL,
            track       TEXT,
            date        TEXT,                     -- YYYYMMDD
            hour        INTEGER,
            size        INTEGER NOT NULL,
            lines       INTEGER NOT NULL,
            mtime_ns    INTEGER NOT NULL,
            ctime_ns    INTEGER NOT NULL,
            inode       INTEGER NOT NULL,
            device      INTEGER NOT NULL,
            uid         INTEGER NOT NULL,
            gid         INTEGER NOT NULL,
            first_seen  INTEGER NOT NULL,
            last_seen   INTEGER NOT NULL,         -- last scan that saw it change; live rows were also seen at volumes.last_scan
            deleted_at  INTEGER,
            UNIQUE (dir_id, name)
        );
        CREATE INDEX files_track_date ON files (track, date);
        CREATE TABLE events (
            id          INTEGER PRIMARY KEY,
            at          INTEGER NOT NULL,         -- unix seconds
            type        TEXT NOT NULL,            -- created | truncated | replaced | deleted
            volume_id   INTEGER NOT NULL,
            file_id     INTEGER NOT NULL,
            old_size    INTEGER,
            new_size    INTEGER
        );
        CREATE INDEX events_at ON events (at);
        CREATE TABLE meta (
            key         TEXT PRIMARY KEY,
            value       INTEGER NOT NULL
        );
        CREATE TABLE scans (
            id          INTEGER PRIMARY KEY,
            started     INTEGER NOT NULL,
            finished    INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            volumes     INTEGER NOT NULL,
            files       INTEGER NOT NULL,
            counted     INTEGER NOT NULL,         -- files whose lines were (re)counted
            skipped     INTEGER NOT NULL          -- subtrees that could not be read
        );
        CREATE VIEW file_paths AS
            SELECT f.id, v.path || '/' || CAST(CASE WHEN d.path = X'' THEN f.name ELSE d.path || '/' || f.name END AS TEXT) AS path,
                   v.namespace, v.pvc, v.pv, f.kind, f.track, f.date, f.hour, f.size, f.lines,
                   datetime(f.mtime_ns / 1000000000, 'unixepoch') AS mtime, f.uid, f.gid,
                   datetime(f.deleted_at, 'unixepoch') AS deleted
            FROM files f JOIN dirs d ON d.id = f.dir_id JOIN volumes v ON v.id = f.volume_id;
        """,
        // 2: alert state, so the journal hears of each transition once, across restarts.
        """
        CREATE TABLE alerts (
            id            INTEGER PRIMARY KEY,
            type          TEXT NOT NULL,          -- volume-missing, file-vanished, ...
            subject       TEXT NOT NULL,          -- what it is about; unique per type
            state         TEXT NOT NULL,          -- firing | resolved
            namespace     TEXT,
            pvc           TEXT,
            pv            TEXT,
            path          TEXT,                   -- volume path
            track         TEXT,
            file_path     TEXT,
            numbers       TEXT NOT NULL DEFAULT '',  -- BYTES=..;FILES=..
            message       TEXT NOT NULL,
            priority      INTEGER NOT NULL,
            first_fired   INTEGER NOT NULL,       -- unix seconds
            last_notified INTEGER NOT NULL,
            last_seen     INTEGER NOT NULL,       -- condition last true, or last event
            resolved_at   INTEGER,
            count         INTEGER NOT NULL,       -- events (files) for event alerts, notifications otherwise
            UNIQUE (type, subject)
        );
        """,
        // 3: what `doctor` saw last time, for its persistence check.
        """
        CREATE TABLE doctor_counts (
            volume_path TEXT PRIMARY KEY,
            files       INTEGER NOT NULL,
            at          INTEGER NOT NULL
        );
        """,
        // 4: the same counts under a name of what they are, not of who reads them.
        """
        ALTER TABLE doctor_counts RENAME TO volume_baselines;
        """,
        // 5: containers' writable layers seen while they ran, and whose they were: a stopped
        // container's layer still holds its files until the container is removed.
        """
        CREATE TABLE IF NOT EXISTS container_layers (
            snapshots    TEXT NOT NULL,           -- <containerd_root>/io.containerd.snapshotter.v1.overlayfs/snapshots
            snapshot     TEXT NOT NULL,           -- <n> (digits) of <snapshots>/<n>/fs
            container_id TEXT,                    -- 64 hex digits, from the cgroup path
            pod_uid      TEXT,
            pod          TEXT,
            namespace    TEXT,
            container    TEXT,
            first_seen   INTEGER NOT NULL,        -- unix seconds
            last_live    INTEGER NOT NULL,        -- last seen mounted
            PRIMARY KEY (snapshots, snapshot)
        );
        """,
        // 6: a directory is (parent, name), not its full path: a chain of nested 255-byte names
        // stored whole made the index quadratic in the depth (2,000 levels: 982 MiB).
        .code(DirectoryTree.migrate),
        // 7: files copied out of containers' writable layers into the rescue area (issue 13): one
        // row per copy; a source that shrank or was replaced gets a new generation, the old kept.
        """
        CREATE TABLE IF NOT EXISTS rescued (
            id             INTEGER PRIMARY KEY,
            snapshots      TEXT NOT NULL,         -- as container_layers.snapshots
            snapshot       TEXT NOT NULL,         -- the source layer <n>
            container_id   TEXT,
            pod_uid        TEXT,
            pod            TEXT,
            namespace      TEXT,
            container      TEXT,
            container_path BLOB NOT NULL,         -- raw bytes, '/'-prefixed, inside the container
            rescued_path   BLOB NOT NULL UNIQUE,  -- raw bytes: the copy's host path, in rescue.directory
            generation     INTEGER NOT NULL,      -- 1, then NAME.gen2, NAME.gen3, ...
            active         INTEGER NOT NULL,      -- 1: the copy that follows the source now
            bytes          INTEGER NOT NULL,
            sha256         TEXT NOT NULL,         -- hex, of the copy's bytes
            hash_state     BLOB NOT NULL,         -- SHA-256 state after them, to continue on growth
            tail_offset    INTEGER NOT NULL,      -- the last copied block: where it starts
            tail_sha256    BLOB NOT NULL,         -- and its SHA-256
            source_inode   INTEGER NOT NULL,
            source_mtime_ns INTEGER NOT NULL,
            first_copied   INTEGER NOT NULL,      -- unix seconds
            last_copied    INTEGER NOT NULL,
            source_gone_at INTEGER                -- the layer or the file went: this copy is the only one
        );
        CREATE INDEX IF NOT EXISTS rescued_source ON rescued (snapshots, snapshot, container_path);
        """,
    ]

    static var version: Int64 { Int64(migrations.count) }
}
