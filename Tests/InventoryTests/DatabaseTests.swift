import CSQLite
import Foundation
import Glibc
import Inventory
import TestSupport
import Testing

@Suite struct DatabaseTests {
    @Test func indexIsPrivateAndInWALMode() throws {
        let box = Sandbox()
        let inv = try box.inventory()
        try box.scan(inv)
        var st = stat()
        #expect(stat(box.dbPath, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        #expect(stat(box.dir + "/state", &st) == 0)
        #expect(st.st_mode & 0o777 == 0o700)
        #expect(sqlite("PRAGMA journal_mode", box.dbPath) == "wal")
        #expect(sqlite("PRAGMA user_version", box.dbPath) == String(Inventory.schemaVersion))
    }

    @Test func corruptIndexIsMovedAsideAndRebuilt() throws {
        let box = Sandbox()
        mkdir(box.dir + "/state", 0o700)
        _ = FileManager.default.createFile(atPath: box.dbPath, contents: Data(repeating: 0x42, count: 8192))
        let v = box.volume("ns", "data")
        box.write(v + "/a.log", "1\n")
        let inv = try box.inventory()
        let aside = try #require(inv.movedAside)
        #expect(FileManager.default.fileExists(atPath: aside))
        #expect(try box.scan(inv).files == 1)
    }

    @Test func newerSchemaIsRefusedNotDestroyed() throws {
        let box = Sandbox()
        do { _ = try box.inventory() }
        #expect(sqlite("PRAGMA user_version = 99", box.dbPath) != nil)
        #expect {
            _ = try box.inventory()
        } throws: { error in
            (error as? InventoryError)?.kind == .newerSchema(found: 99, supported: Inventory.schemaVersion)
        }
        #expect(sqlite("PRAGMA user_version", box.dbPath) == "99")
    }

    @Test func countsSavedByVersion3SurviveTheRenameToVolumeBaselines() throws {
        let box = Sandbox()
        do { try box.inventory().saveVolumeBaselines(["/v/a": 3, "/v/b": 0], at: 100) }
        // Back to the version-3 index an older storage-agent left.
        #expect(sqlite("ALTER TABLE volume_baselines RENAME TO doctor_counts", box.dbPath) == "")
        #expect(sqlite("PRAGMA user_version = 3", box.dbPath) == "")
        let baselines = try box.inventory().volumeBaselines()
        #expect(sqlite("PRAGMA user_version", box.dbPath) == String(Inventory.schemaVersion))
        #expect(baselines.mapValues { [$0.files, $0.at] } == ["/v/a": [3, 100], "/v/b": [0, 100]])
        #expect(sqlite("SELECT count(*) FROM sqlite_master WHERE name = 'doctor_counts'", box.dbPath) == "0")
    }

    @Test func aVersion4IndexGainsRememberedLayers() throws {
        let box = Sandbox()
        do { try box.inventory().saveVolumeBaselines(["/v/a": 3], at: 100) }
        #expect(sqlite("DROP TABLE container_layers", box.dbPath) == "")
        #expect(sqlite("PRAGMA user_version = 4", box.dbPath) == "")
        let index = try box.inventory()
        #expect(sqlite("PRAGMA user_version", box.dbPath) == String(Inventory.schemaVersion))
        #expect(try index.volumeBaselines()["/v/a"]?.files == 3)
        let snapshots = "/var/lib/rancher/k3s/agent/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots"
        let id = String(repeating: "ab12cd34", count: 8)
        try index.rememberLayers(
            [
                RememberedLayer(
                    snapshot: "27", containerID: id, podUID: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", pod: "observer-0",
                    namespace: "observer-prod", container: "observer"),
                RememberedLayer(snapshot: "3"),
            ], snapshots: snapshots, now: 100)
        // A later sighting that knows less keeps what was known; one that knows more adds it.
        try index.rememberLayers(
            [RememberedLayer(snapshot: "27"), RememberedLayer(snapshot: "3", namespace: "db-prod")],
            snapshots: snapshots,
            now: 160)
        try index.rememberLayers([RememberedLayer(snapshot: "27")], snapshots: "/elsewhere/snapshots", now: 170)
        let layers = try box.inventory().rememberedLayers(snapshots: snapshots)
        #expect(layers.map(\.snapshot) == ["3", "27"])
        #expect(
            layers.last
                == RememberedLayer(
                    snapshot: "27", containerID: id, podUID: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", pod: "observer-0",
                    namespace: "observer-prod", container: "observer", firstSeen: 100, lastLive: 160))
        #expect(layers.first?.namespace == "db-prod")
        try index.forgetLayers(["27"], snapshots: snapshots)
        #expect(try index.rememberedLayers(snapshots: snapshots).map(\.snapshot) == ["3"])
        #expect(try index.rememberedLayers(snapshots: "/elsewhere/snapshots").map(\.snapshot) == ["27"])
    }

    @Test func aVersion5IndexBecomesATreeKeepingFilesDigestsAndTheView() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        box.write(v + "/top.log", "1\n")
        box.write(v + "/a/scalp/20260203_09.jsonl", "1\n2\n")
        box.write(v + "/a/b/c/deep.log", "1\n")
        box.write(v + "/odd\nname/x.log", "1\n")
        do { try box.scan(try box.inventory()) }
        let view = "SELECT id || ' ' || path || ' ' || lines FROM file_paths ORDER BY id"
        let before = sqliteRows(view, box.dbPath)
        #expect(before.count == 4)
        // Back to the version-5 layout an older storage-agent left (full paths, its view), with
        // one directory row lost on the way (a/b, which holds no file): the migration adds it back.
        let v5 = """
            CREATE TABLE dirs_v5 (id INTEGER PRIMARY KEY, volume_id INTEGER NOT NULL REFERENCES volumes(id),
                path BLOB NOT NULL, digest INTEGER, UNIQUE (volume_id, path));
            INSERT INTO dirs_v5 WITH RECURSIVE p (id, volume_id, path, digest) AS (
                SELECT id, volume_id, X'', digest FROM dirs WHERE parent = 0
                UNION ALL
                SELECT d.id, d.volume_id, CASE WHEN p.path = X'' THEN d.name ELSE CAST(p.path || '/' || d.name AS BLOB) END,
                    d.digest FROM dirs d JOIN p ON d.parent = p.id)
            SELECT * FROM p;
            DROP VIEW file_paths; DROP TABLE dirs; ALTER TABLE dirs_v5 RENAME TO dirs;
            CREATE VIEW file_paths AS
                SELECT f.id, v.path || '/' || CAST(CASE WHEN d.path = X'' THEN f.name ELSE d.path || '/' || f.name END AS TEXT) AS path,
                       v.namespace, v.pvc, v.pv, f.kind, f.track, f.date, f.hour, f.size, f.lines,
                       datetime(f.mtime_ns / 1000000000, 'unixepoch') AS mtime, f.uid, f.gid,
                       datetime(f.deleted_at, 'unixepoch') AS deleted
                FROM files f JOIN dirs d ON d.id = f.dir_id JOIN volumes v ON v.id = f.volume_id;
            DELETE FROM dirs WHERE path = CAST('a/b' AS BLOB);
            PRAGMA user_version = 5;
            """
        #expect(sqliteExec(v5, box.dbPath))
        #expect(sqliteRows(view, box.dbPath) == before)
        let inv = try box.inventory()
        #expect(sqlite("PRAGMA user_version", box.dbPath) == String(Inventory.schemaVersion))
        #expect(sqliteRows(view, box.dbPath) == before)
        #expect(sqlite("SELECT count(*) FROM pragma_table_info('dirs') WHERE name = 'path'", box.dbPath) == "0")
        #expect(
            try inv.all().map { String(decoding: $0.relativePath, as: UTF8.self) }.sorted() == [
                "a/b/c/deep.log", "a/scalp/20260203_09.jsonl", "odd\nname/x.log", "top.log",
            ])
        // Ids and digests were kept: a rescan reads no file and finds nothing changed or gone.
        let report = try box.scan(inv)
        #expect(report.counted == 0 && report.created == 0 && report.deleted == 0 && report.changed == 0)
        #expect(sqlite("SELECT count(*) FROM dirs", box.dbPath) == "6")  // a/b is back
    }

    @Test func lockedIndexIsReportedAsLocked() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        box.write(v + "/a.log", "1\n")
        let inv = try box.inventory()
        var other: OpaquePointer?
        #expect(sqlite3_open(box.dbPath, &other) == SQLITE_OK)
        defer { sqlite3_close(other) }
        #expect(sqlite3_exec(other, "BEGIN EXCLUSIVE", nil, nil, nil) == SQLITE_OK)
        #expect {
            try box.scan(inv)
        } throws: { error in
            (error as? InventoryError)?.kind == .locked
        }
        sqlite3_exec(other, "ROLLBACK", nil, nil, nil)
        #expect(try box.scan(inv).files == 1)
    }

    @Test func readersWorkWhileAWriteIsOpen() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        box.write(v + "/a.log", "1\n")
        let writer = try box.inventory()
        try box.scan(writer)
        var other: OpaquePointer?
        #expect(sqlite3_open(box.dbPath, &other) == SQLITE_OK)
        defer { sqlite3_close(other) }
        #expect(sqlite3_exec(other, "BEGIN IMMEDIATE; UPDATE files SET lines = 7", nil, nil, nil) == SQLITE_OK)
        let reader = try box.inventory()
        #expect(try reader.all().first?.lines == 1)
        sqlite3_exec(other, "COMMIT", nil, nil, nil)
    }

    @Test func operatorViewShowsHostPaths() throws {
        let box = Sandbox()
        let v = box.volume("observer-prod", "observer-data-pvc")
        box.write(v + "/assets/scalp/20260203_09.jsonl", "1\n2\n")
        try box.scan(try box.inventory())
        #expect(
            sqlite("SELECT path || ' ' || lines FROM file_paths WHERE track = 'scalp'", box.dbPath) == v
                + "/assets/scalp/20260203_09.jsonl 2")
    }
}

/// Runs statements with the sqlite3 C API; true when all of them succeeded.
func sqliteExec(_ sql: String, _ path: String) -> Bool {
    var db: OpaquePointer?
    guard sqlite3_open(path, &db) == SQLITE_OK else { return false }
    defer { sqlite3_close(db) }
    return sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK
}

/// Every row's first column, as text.
func sqliteRows(_ sql: String, _ path: String) -> [String] {
    var db: OpaquePointer?
    guard sqlite3_open(path, &db) == SQLITE_OK else { return [] }
    defer { sqlite3_close(db) }
    var stmt: OpaquePointer?
    guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { return [] }
    defer { sqlite3_finalize(stmt) }
    var rows: [String] = []
    while sqlite3_step(stmt) == SQLITE_ROW {
        rows.append(sqlite3_column_text(stmt, 0).map { String(cString: $0) } ?? "")
    }
    return rows
}

/// Runs one statement with the sqlite3 C API, independent of the product's wrapper.
func sqlite(_ sql: String, _ path: String) -> String? {
    var db: OpaquePointer?
    guard sqlite3_open(path, &db) == SQLITE_OK else { return nil }
    defer { sqlite3_close(db) }
    var stmt: OpaquePointer?
    guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { return nil }
    defer { sqlite3_finalize(stmt) }
    let rc = sqlite3_step(stmt)
    if rc == SQLITE_ROW, let text = sqlite3_column_text(stmt, 0) { return String(cString: text) }
    return rc == SQLITE_DONE ? "" : nil
}
