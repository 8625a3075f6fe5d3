import Foundation
import Glibc
import Inventory
import TestSupport
import Testing

/// Issue 12, item 8: a deep tree of long names must cost the index what its entries cost, not
/// the square of its depth; too deep or too long is tampering, left out and reported.
@Suite struct DeepTreeTests {
    func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    @Test func twoThousandNestedLongNamesMakeAnIndexLinearInTheEntries() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        let entries = 2000
        nestDirectories(v, depth: entries, name: { _ in String(repeating: "d", count: 255) }, file: "bottom.log")
        box.write(v + "/top.log", "1\n")
        let inv = try box.inventory()
        let report = try box.scan(inv)
        // The walk stops where the host path would pass PATH_MAX, and says so once.
        let tampering = report.skipped.filter(\.tampering)
        #expect(tampering.count == 1)
        #expect(tampering.first?.reason.contains("PATH_MAX") == true)
        #expect(tampering.first?.volumePath == v)
        #expect(report.files == 1)
        // main made 982 MiB of it (every row held its full path, and its unique index again).
        let bytes = fileSize(box.dbPath) + fileSize(box.dbPath + "-wal")
        #expect(bytes < entries * 300, "index of \(bytes) bytes for \(entries) directories")
        let rows = Int(sqlite("SELECT count(*) FROM dirs", box.dbPath) ?? "") ?? -1
        #expect(rows > 0 && rows <= entries + 1)
        let longest = Int(sqlite("SELECT max(length(name)) FROM dirs", box.dbPath) ?? "") ?? -1
        #expect(longest == 255)
        // A rescan changes nothing and reports the same.
        let again = try box.scan(inv)
        #expect(again.counted == 0 && again.deleted == 0)
        #expect(again.skipped.filter(\.tampering).count == 1)
    }

    @Test func aSubtreeDeeperThanMaxDepthIsSkippedReportedAndNotDeleted() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        // d1/.../d64 holds at64.log (indexed); d65 holds at65.log (depth 65: not walked).
        nestDirectories(v, depth: 64, name: { "d\($0)" }, file: "at64.log")
        let d64 = v + "/" + (1...64).map { "d\($0)" }.joined(separator: "/")
        nestDirectories(d64, depth: 1, name: { _ in "d65" }, file: "at65.log")
        let inv = try box.inventory()
        var wide = box.options()
        wide.maxDepth = 100
        #expect(try inv.scan(box.resolution(), options: wide).files == 2)
        let report = try box.scan(inv)  // the default, 64
        let skipped = try #require(report.skipped.first)
        #expect(report.skipped.count == 1)
        #expect(skipped.tampering)
        #expect(skipped.path == d64 + "/d65")
        #expect(skipped.reason.contains("deeper than 64 levels (index.max_depth)"))
        // Left out, not gone: what an earlier scan indexed there is not reported deleted.
        #expect(report.deleted == 0 && report.events.isEmpty)
        #expect(try inv.record("d64/at64.log")?.deletedAt == nil)
        #expect(try inv.record("d65/at65.log")?.deletedAt == nil)
        // On a fresh index nothing below is indexed at all.
        let fresh = Sandbox()
        let w = fresh.volume("ns", "data")
        nestDirectories(w, depth: 66, name: { "d\($0)" }, file: "at66.log")
        let first = try fresh.scan(try fresh.inventory())
        #expect(first.files == 0)
        #expect(
            first.skipped.filter(\.tampering).map(\.path) == [
                w + "/" + (1...65).map { "d\($0)" }.joined(separator: "/")
            ])
    }

    @Test func aFileWhosePathWouldPassPathMaxIsLeftOutAndReported() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        // Directories whose host path is 3,996 bytes, then a file name that takes it over 4,096.
        let target = 3996
        let whole = (target - v.utf8.count) / 201
        let rest = target - v.utf8.count - whole * 201 - 1
        let names =
            Array(repeating: String(repeating: "n", count: 200), count: whole)
            + (rest > 0 ? ["r" + String(repeating: "n", count: rest - 1)] : [])
        nestDirectories(v, depth: names.count, name: { names[$0 - 1] }, file: "ok.log")
        let deepest = v + "/" + names.joined(separator: "/")
        #expect(deepest.utf8.count >= target - 1 && deepest.utf8.count <= target)
        let fd = open(deepest, O_RDONLY | O_DIRECTORY)
        let f = openat(fd, String(repeating: "f", count: 96) + ".log", O_CREAT | O_WRONLY, 0o644)
        #expect(f >= 0)
        close(f)
        close(fd)
        let report = try box.scan(try box.inventory())
        #expect(report.files == 1)
        let skipped = report.skipped.filter(\.tampering)
        #expect(skipped.count == 1)
        #expect(skipped.first?.reason.contains("a file here: path longer than PATH_MAX") == true)
    }
}
