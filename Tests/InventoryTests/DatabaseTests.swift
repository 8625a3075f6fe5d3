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
