import Foundation
import Glibc
import HostFS
import Inventory
import TestSupport
import Testing

/// `trackLastWrites()` keeps its answer while the index has not changed (the idle daemon's tick
/// reuses it); every scan that writes a file row, and every commit by another connection, makes it
/// look again. Real files with set mtimes, a real index, a second connection for "another process".
@Suite struct TrackLastWritesTests {
    @Test func theAnswerFollowsEveryChangeOfTheIndex() throws {
        let box = Sandbox()
        let v = box.volume("ns", "data")
        write(box, v + "/scalp/20260203_09.jsonl", mtime: 1_000)
        write(box, v + "/swing/20260203.jsonl", mtime: 500)
        let inv = try box.inventory()
        try box.scan(inv)
        #expect(try lastWrites(inv) == ["scalp": 1_000, "swing": 500])
        #expect(try lastWrites(inv) == ["scalp": 1_000, "swing": 500], "asked again, nothing changed")
        try box.scan(inv)
        #expect(try lastWrites(inv) == ["scalp": 1_000, "swing": 500], "a rescan that changed nothing")

        write(box, v + "/scalp/20260203_10.jsonl", mtime: 2_000)
        _ = try inv.scan(box.resolution(), options: box.options(), only: [v: [Array("scalp".utf8)]])
        #expect(try lastWrites(inv) == ["scalp": 2_000, "swing": 500], "a new file, by a partial scan")

        unlink(v + "/scalp/20260203_10.jsonl")
        try box.scan(inv)
        #expect(try lastWrites(inv) == ["scalp": 1_000, "swing": 500], "the newest file deleted")

        // Another connection (a `storage-agent scan` beside the daemon) writes the index.
        write(box, v + "/swing/20260204.jsonl", mtime: 3_000)
        let other = try box.inventory()
        try box.scan(other)
        #expect(try lastWrites(inv) == ["scalp": 1_000, "swing": 3_000], "another connection's commit")
    }

    /// `hourlyVolumes` (track-gap's volumes, asked on every tick) is kept the same way.
    @Test func theHourlyVolumesFollowEveryChangeOfTheIndex() throws {
        let box = Sandbox()
        let a = box.volume("ns", "a")
        let b = box.volume("ns", "b")
        write(box, a + "/scalp/20260203_09.jsonl", mtime: 1_000)
        let inv = try box.inventory()
        try box.scan(inv)
        let ids = Dictionary(try inv.volumes().map { ($0.path, $0.id) }) { x, _ in x }
        #expect(try inv.hourlyVolumes(track: "scalp") == [ids[a]!])
        #expect(try inv.hourlyVolumes(track: "scalp") == [ids[a]!], "asked again, nothing changed")
        #expect(try inv.hourlyVolumes(track: "scalp", kind: "log").isEmpty, "another kind, its own answer")

        write(box, b + "/scalp/20260203_10.jsonl", mtime: 2_000)
        _ = try inv.scan(box.resolution(), options: box.options(), only: [b: [Array("scalp".utf8)]])
        #expect(try inv.hourlyVolumes(track: "scalp") == [ids[a]!, ids[b]!], "a new file, by a partial scan")

        // Another connection writes the index.
        write(box, b + "/scalp/20260203_11.log", mtime: 3_000)
        try box.scan(try box.inventory())
        #expect(try inv.hourlyVolumes(track: "scalp", kind: "log") == [ids[b]!], "another connection's commit")
    }

    private func write(_ box: Sandbox, _ path: String, mtime: Int) {
        box.write(path, "{}\n")
        var times = [timespec(tv_sec: mtime, tv_nsec: 0), timespec(tv_sec: mtime, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
    }

    private func lastWrites(_ inv: Inventory) throws -> [String: Int64] {
        Dictionary(try inv.trackLastWrites().map { ($0.track, $0.lastWriteNs / 1_000_000_000) }) { a, _ in a }
    }
}
