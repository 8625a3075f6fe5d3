import Foundation
import Glibc
import HostFS
import Inventory
import TestSupport
import Testing

/// The daemon re-reads only the directories inotify named.
@Suite struct PartialScanTests {
    @Test func onlyTheNamedDirectoryIsReadAndTotalsFollow() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        box.write(v + "/scalp/20260203_09.jsonl", "a\n")
        box.write(v + "/swing/20260203.jsonl", "a\n")
        let inv = try box.inventory()
        try box.scan(inv)
        box.append(v + "/scalp/20260203_09.jsonl", "b\nc\n")
        box.append(v + "/swing/20260203.jsonl", "b\n")  // not named: must stay as indexed
        box.write(v + "/scalp/20260203_10.jsonl", "x\n")
        let report = try inv.scan(box.resolution(), options: box.options(), only: [v: [Array("scalp".utf8)]])
        #expect(report.counted == 2)
        #expect(try inv.record("scalp/20260203_09.jsonl")?.lines == 3)
        #expect(try inv.record("swing/20260203.jsonl")?.lines == 1)
        let volume = try #require(try inv.volumes().first)
        #expect(volume.files == 3)
        #expect(volume.bytes == 6 + 2 + 2)
    }

    @Test func newSubtreeIsWalkedWholeAndRemovedOneIsGone() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        box.write(v + "/assets/old/a.log", "1\n")
        box.write(v + "/assets/old/deeper/b.log", "1\n")
        let inv = try box.inventory()
        try box.scan(inv)
        box.write(v + "/assets/new/x/y/c.log", "1\n")
        removeTree(v + "/assets/old")
        let report = try inv.scan(box.resolution(), options: box.options(), only: [v: [Array("assets".utf8)]])
        #expect(report.created == 1)
        #expect(report.deleted == 2)
        let live = try inv.all(includeDeleted: false).map { String(decoding: $0.relativePath, as: UTF8.self) }
        #expect(live == ["assets/new/x/y/c.log"])
        #expect(try inv.volumes().first?.files == 1)
    }

    @Test func namedDirectoryThatIsGoneTakesItsFiles() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        box.write(v + "/scalp/a/1.log", "1\n")
        box.write(v + "/keep.log", "1\n")
        let inv = try box.inventory()
        try box.scan(inv)
        removeTree(v + "/scalp")
        let report = try inv.scan(box.resolution(), options: box.options(), only: [v: [Array("scalp/a".utf8)]])
        #expect(report.deleted == 1)
        #expect(try inv.all(includeDeleted: false).count == 1)
    }

    @Test func walkedDirectoriesAreWatchedAndReportChanges() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        box.write(v + "/scalp/20260203_09.jsonl", "a\n")
        let inotify = try Inotify()
        let inv = try box.inventory()
        let report = try inv.scan(box.resolution(), options: box.options(), inotify: inotify)
        let watched = try #require(report.watches[v])
        let paths = try inv.relativePaths(ofDirectories: watched.map(\.dirID))
        #expect(Set(paths.values) == [[], Array("scalp".utf8)])
        box.append(v + "/scalp/20260203_09.jsonl", "b\n")
        let events = inotify.readEvents()
        let scalp = try #require(watched.first { paths[$0.dirID] == Array("scalp".utf8) })
        #expect(events.contains { $0.wd == scalp.wd && $0.name == Array("20260203_09.jsonl".utf8) })
    }
}
