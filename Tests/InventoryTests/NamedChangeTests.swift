import Foundation
import Glibc
import HostFS
import Inventory
import TestSupport
import Testing

/// Issue 12, item 10: an inotify batch looks at the names it was told about, never lists the
/// directory, and leaves the index (rows, totals, digest) as a full scan would.
@Suite struct NamedChangeTests {
    let box = Sandbox()
    let v: String
    let many = 300

    init() {
        v = box.volume("ns", "data")
        for i in 0..<many { box.write(v + "/big/f\(i).log", "line\n") }
        box.write(v + "/big/old/inside.log", "1\n")
        box.write(v + "/other/o.log", "1\n2\n")
    }

    /// One inotify batch: `names` by directory (relative to the volume).
    @discardableResult
    func batch(_ inv: Inventory, _ names: [String: [String]]) throws -> ScanReport {
        let only = [v: names.keys.map { Array($0.utf8) }]
        var named: [[UInt8]: Set<[UInt8]>] = [:]
        for (dir, list) in names { named[Array(dir.utf8)] = Set(list.map { Array($0.utf8) }) }
        return try inv.scan(box.resolution(), options: box.options(), only: only, names: [v: named])
    }

    func state(_ inv: Inventory) throws -> [String] {
        try inv.all(includeDeleted: false).map {
            "\(String(decoding: $0.relativePath, as: UTF8.self)) \($0.size) \($0.lines)"
        }.sorted()
    }

    /// What a brand-new index of the same tree says.
    func truth() throws -> [String] {
        let fresh = try Inventory(path: box.dir + "/state/truth-\(UUID().uuidString).db")
        _ = try fresh.scan(box.resolution(), options: box.options())
        return try state(fresh)
    }

    /// The digest stored for `dir` equals the one a full read computes, and that full read
    /// finds nothing to change: the batch left the index as the disk is.
    func expectDigestRight(_ inv: Inventory, _ dir: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let query = "SELECT digest FROM dirs WHERE name = CAST('\(dir)' AS BLOB)"
        let stored = sqlite(query, box.dbPath)
        #expect(sqliteExec("UPDATE dirs SET digest = NULL WHERE name = CAST('\(dir)' AS BLOB)", box.dbPath))
        let full = try box.scan(inv)
        #expect(full.created == 0 && full.changed == 0 && full.deleted == 0, sourceLocation: sourceLocation)
        #expect(sqlite(query, box.dbPath) == stored, "digest of \(dir)", sourceLocation: sourceLocation)
    }

    @Test func eachKindOfChangeToOneNameUpdatesJustThatRowWithoutAListing() throws {
        let inv = try box.inventory()
        try box.scan(inv)
        let volume = { try #require(try inv.volumes().first) }

        box.write(v + "/big/new.log", "a\nb\n")
        var r = try batch(inv, ["big": ["new.log"]])
        #expect(r.listed == 0 && r.created == 1 && r.counted == 1)
        #expect(try state(inv) == truth())
        #expect(try volume().files == Int64(many + 3))

        box.append(v + "/big/f7.log", "more\n")
        r = try batch(inv, ["big": ["f7.log"]])
        #expect(r.listed == 0 && r.changed == 1 && r.counted == 1)
        #expect(try inv.record("big/f7.log")?.lines == 2)

        #expect(truncate(v + "/big/f8.log", 2) == 0)
        r = try batch(inv, ["big": ["f8.log"]])
        #expect(r.listed == 0 && r.events.map(\.kind) == [.truncated])

        #expect(unlink(v + "/big/f9.log") == 0)
        r = try batch(inv, ["big": ["f9.log"]])
        #expect(r.listed == 0 && r.deleted == 1 && r.events.map(\.kind) == [.deleted])

        #expect(rename(v + "/big/f10.log", v + "/big/g10.log") == 0)
        r = try batch(inv, ["big": ["f10.log", "g10.log"]])
        #expect(r.listed == 0 && r.deleted == 1 && r.created == 1)

        #expect(rename(v + "/big/f11.log", v + "/other/f11.log") == 0)
        r = try batch(inv, ["big": ["f11.log"], "other": ["f11.log"]])
        #expect(r.listed == 0 && r.deleted == 1 && r.created == 1)

        #expect(rename(v + "/other/o.log", v + "/big/o.log") == 0)
        r = try batch(inv, ["big": ["o.log"], "other": ["o.log"]])
        #expect(r.listed == 0 && r.deleted == 1 && r.created == 1)

        #expect(chmod(v + "/big/f12.log", 0o600) == 0)  // attrib: ctime moves, the digest with it
        r = try batch(inv, ["big": ["f12.log"]])
        #expect(r.listed == 0 && r.counted == 0)

        removeTree(v + "/big/old")
        r = try batch(inv, ["big": ["old"]])
        #expect(r.listed == 0 && r.deleted == 1)

        // A new subdirectory is walked whole (its two levels are listed) and watched.
        box.write(v + "/big/sub/deeper/s.log", "1\n")
        let inotify = try Inotify()
        let only = [v: [Array("big".utf8)]]
        r = try inv.scan(
            box.resolution(), options: box.options(), only: only, names: [v: [Array("big".utf8): [Array("sub".utf8)]]],
            inotify: inotify)
        #expect(r.listed == 2 && r.created == 1)
        let watched = try inv.relativePaths(ofDirectories: (r.watches[v] ?? []).map(\.dirID))
        #expect(Set(watched.values) == [Array("big/sub".utf8), Array("big/sub/deeper".utf8)])

        #expect(try state(inv) == truth())
        let live = try volume()
        #expect(live.files == Int64(try truth().count))
        try expectDigestRight(inv, "big")
        try expectDigestRight(inv, "other")
    }

    @Test func aNamePlantedWithoutAnEventWaitsForTheReconcile() throws {
        let inv = try box.inventory()
        try box.scan(inv)
        box.append(v + "/big/f1.log", "x\n")
        box.write(v + "/big/planted.log", "p\n")  // no event names it
        let r = try batch(inv, ["big": ["f1.log"]])
        #expect(r.listed == 0)
        #expect(try inv.record("big/f1.log")?.lines == 2)
        #expect(try inv.record("big/planted.log") == nil, "the batch did not list the directory")
        let reconcile = try box.scan(inv)
        #expect(reconcile.created == 1)
        #expect(try inv.record("big/planted.log")?.lines == 1)
    }

    @Test func aDirectoryWithoutADigestIsReadWholeOnce() throws {
        let inv = try box.inventory()
        try box.scan(inv)
        #expect(sqliteExec("UPDATE dirs SET digest = NULL WHERE name = CAST('big' AS BLOB)", box.dbPath))
        box.write(v + "/big/planted.log", "p\n")
        let r = try batch(inv, ["big": ["f1.log"]])
        #expect(r.listed == 1 && r.created == 1)
        try expectDigestRight(inv, "big")
    }
}
