import Foundation
import Glibc
import HostFS
import Inventory
import TestSupport
import Testing

@Suite struct IncrementalScanTests {
    @Test func fullScanIndexesOnlyIncludedRegularFiles() throws {
        let box = Sandbox()
        let v = box.volume("observer-prod", "observer-data-pvc")
        box.write(v + "/assets/scalp/20260203_09.jsonl", "{}\n{}\n{}\n")
        box.write(v + "/observer.jsonl", "{}\n")
        box.write(v + "/backups/manifests/m.json", "{}\n")
        box.write(v + "/datasets/x.parquet", "PAR1")
        let inv = try box.inventory()
        let report = try box.scan(inv)
        #expect(report.files == 2)
        #expect(report.counted == 2)
        let scalp = try #require(try inv.record("assets/scalp/20260203_09.jsonl"))
        #expect(scalp.lines == 3)
        #expect(scalp.size == 9)
        #expect(scalp.track == "scalp")
        #expect(scalp.namespace == "observer-prod")
        #expect(scalp.pvc == "observer-data-pvc")
        #expect(scalp.pv == "pvc-3a60a238-a7b1-45b5-9d1d-cfd3a23701da")
    }

    @Test func unchangedFilesAreNotReadAgain() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        for i in 0..<50 {
            box.write(
                v + "/scalp/202602\(String(format: "%02d", i % 25 + 1))_\(String(format: "%02d", i / 25 + 9)).jsonl",
                "x\n")
        }
        let inv = try box.inventory()
        #expect(try box.scan(inv).counted == 50)
        let again = try box.scan(inv)
        #expect(again.counted == 0)
        #expect(again.files == 50)
        #expect(again.changed == 0 && again.created == 0 && again.deleted == 0)
    }

    @Test func grownFileIsCountedFromItsOldSize() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        let path = v + "/scalp/20260203_09.jsonl"
        box.write(path, "a\nb\n")
        let inv = try box.inventory()
        try box.scan(inv)
        // Rewrite the first (already counted) bytes without newlines: an incremental count
        // must not see this, a full recount would report 2 lines fewer.
        let fd = open(path, O_WRONLY)
        _ = "xxxx".withCString { pwrite(fd, $0, 4, 0) }
        close(fd)
        box.append(path, "c\nd\ne\n")
        let report = try box.scan(inv)
        #expect(report.counted == 1)
        #expect(report.changed == 1)
        #expect(report.events.isEmpty)
        let record = try #require(try inv.record("20260203_09.jsonl"))
        #expect(record.lines == 5)
        #expect(record.size == 10)
    }

    @Test func truncatedFileIsRecountedAndRecorded() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        let path = v + "/scalp/20260203_09.jsonl"
        box.write(path, "1\n2\n3\n4\n")
        let inv = try box.inventory()
        try box.scan(inv)
        #expect(truncate(path, 2) == 0)
        let report = try box.scan(inv)
        #expect(report.events.map(\.kind) == [.truncated])
        #expect(report.events.first?.oldSize == 8)
        #expect(report.events.first?.newSize == 2)
        #expect(try inv.record("20260203_09.jsonl")?.lines == 1)
    }

    @Test func replacedFileIsRecountedFromZero() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        let path = v + "/swing/20260203.jsonl"
        box.write(path, "a\nb\nc\n")
        let inv = try box.inventory()
        try box.scan(inv)
        box.write(v + "/swing/tmp", "only\none more line than zero\nand a third\nfourth\n")
        #expect(rename(v + "/swing/tmp", path) == 0)
        let report = try box.scan(inv)
        #expect(report.events.map(\.kind) == [.replaced])
        #expect(try inv.record("swing/20260203.jsonl")?.lines == 4)
        #expect(try inv.record("swing/20260203.jsonl")?.lines == newlineCount(path))
    }

    @Test func deletedFileKeepsItsRowAsEvidence() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        box.write(v + "/scalp/20260203_09.jsonl", "a\n")
        box.write(v + "/scalp/20260203_10.jsonl", "a\n")
        let inv = try box.inventory()
        try box.scan(inv)
        unlink(v + "/scalp/20260203_09.jsonl")
        let report = try box.scan(inv)
        #expect(report.deleted == 1)
        #expect(report.events.map(\.kind) == [.deleted])
        #expect(report.events.first?.track == "scalp")
        #expect(try inv.all(includeDeleted: false).count == 1)
        let gone = try #require(try inv.record("20260203_09.jsonl"))
        #expect(gone.deletedAt != nil)
        #expect(gone.lines == 1)
    }

    @Test func vanishedDirectoryMarksEveryFileBelowIt() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        for h in 9...15 { box.write(v + "/assets/scalp/20260203_\(h).jsonl", "x\n") }
        box.write(v + "/assets/scalp/deeper/20260203.log", "x\n")
        let inv = try box.inventory()
        try box.scan(inv)
        removeTree(v + "/assets")
        let report = try box.scan(inv)
        #expect(report.deleted == 8)
        #expect(try inv.all(includeDeleted: false).isEmpty)
    }

    @Test func fileThatComesBackIsLiveAgain() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        let path = v + "/a.log"
        box.write(path, "1\n")
        let inv = try box.inventory()
        try box.scan(inv)
        unlink(path)
        try box.scan(inv)
        box.write(path, "1\n2\n")
        let report = try box.scan(inv)
        #expect(report.created == 1)
        let record = try #require(try inv.record("/a.log"))
        #expect(record.deletedAt == nil)
        #expect(record.lines == 2)
    }

    @Test func volumeThatDisappearsTakesItsFiles() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        box.write(v + "/a.log", "1\n")
        let inv = try box.inventory()
        try box.scan(inv)
        removeTree(v)
        let report = try box.scan(inv)
        #expect(report.deleted == 1)
        #expect(try inv.volumes().isEmpty)
        #expect(try inv.volumes(includeGone: true).first?.goneAt != nil)
    }

    @Test func unreadableStorageRootDeletesNothing() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        box.write(v + "/a.log", "1\n")
        let inv = try box.inventory()
        try box.scan(inv)
        #expect(rename(box.root, box.dir + "/moved") == 0)
        let resolution = box.resolution()
        #expect(resolution.problems.count == 1)
        let report = try inv.scan(resolution, options: box.options())
        #expect(report.deleted == 0)
        #expect(try inv.all(includeDeleted: false).count == 1)
    }

    @Test func volumeTotalsAreKeptPerVolume() throws {
        let box = Sandbox()
        let a = box.volume("ns", "a", uid: "11111111-1111-1111-1111-111111111111")
        let b = box.volume("ns", "b", uid: "22222222-2222-2222-2222-222222222222")
        box.write(a + "/1.log", "12345\n")
        box.write(a + "/2.log", "1\n")
        box.write(b + "/1.jsonl", "1\n")
        let inv = try box.inventory()
        try box.scan(inv)
        let volumes = try inv.volumes()
        #expect(volumes.map(\.pvc) == ["a", "b"])
        #expect(volumes.map(\.files) == [2, 1])
        #expect(volumes.map(\.bytes) == [8, 2])
        #expect(volumes[0].lastWriteNs != nil)
    }

    @Test func queryFiltersByTrackDatePvcAndKind() throws {
        let box = Sandbox()
        let v = box.volume("observer-prod", "observer-data-pvc")
        box.write(v + "/assets/scalp/20260203_09.jsonl", "x\n")
        box.write(v + "/assets/scalp/20260203_10.jsonl", "x\n")
        box.write(v + "/assets/scalp/20260204_09.jsonl", "x\n")
        box.write(v + "/assets/swing/20260203.jsonl", "x\n")
        box.write(v + "/scalp/20260203.log", "x\n")
        let inv = try box.inventory()
        try box.scan(inv)
        let scalp = try inv.files(FileFilter(track: "scalp", date: "20260203"))
        #expect(scalp.count == 3)
        #expect(try inv.files(FileFilter(track: "scalp", date: "20260203", kind: "jsonl")).count == 2)
        #expect(try inv.files(FileFilter(namespace: "observer-prod", pvc: "observer-data-pvc")).count == 5)
        #expect(try inv.files(FileFilter(namespace: "observer-prod", pvc: "other")).isEmpty)
        let paths = scalp.map(\.pathBytes)
        #expect(paths == paths.sorted { $0.lexicographicallyPrecedes($1) })
    }
}

@Suite struct DirectoryDigestTests {
    @Test func ownerChangeWithoutWriteIsPickedUp() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        box.write(v + "/scalp/20260203_09.jsonl", "a\n")
        let inv = try box.inventory()
        try box.scan(inv)
        #expect(chown(v + "/scalp/20260203_09.jsonl", 999, 999) == 0)
        let report = try box.scan(inv)
        #expect(report.counted == 0)
        #expect(try inv.record("20260203_09.jsonl")?.uid == 999)
    }

    @Test func changedTracksReclassifyUnchangedFiles() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        box.write(v + "/orders/20260203.jsonl", "a\n")
        let inv = try box.inventory()
        try box.scan(inv)
        #expect(try inv.record("orders/20260203.jsonl")?.track == nil)
        let options = ScanOptions(include: [try Glob("*.jsonl")], tracks: ["orders"])
        let report = try inv.scan(box.resolution(), options: options)
        #expect(report.counted == 0)
        #expect(try inv.record("orders/20260203.jsonl")?.track == "orders")
    }

    @Test func quietDirectoriesAreNotReadFromTheIndexAgain() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        for d in 0..<20 { box.write(v + "/d\(d)/20260203.log", "x\n") }
        let inv = try box.inventory()
        try box.scan(inv)
        box.append(v + "/d7/20260203.log", "y\n")
        let report = try box.scan(inv)
        #expect(report.counted == 1)
        #expect(report.files == 20)
        #expect(try inv.volumes().first?.files == 20)
        #expect(try inv.record("d7/20260203.log")?.lines == 2)
    }
}
