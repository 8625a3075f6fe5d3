import Glibc
import Inventory
import TestSupport
import Testing

@testable import Alerting

/// file-vanished and file-truncated: events from what a real rescan saw change.
@Suite struct FileRuleTests {
    /// Writes `text` with an mtime an hour before the bench's clock (well inside every retention).
    static func write(_ bench: AlertBench, _ path: String, _ text: String, age: Int64 = 3600) throws {
        bench.box.write(path, text)
        try setModificationTime(path, seconds: Int(bench.now - age))
    }

    @Test func vanishedFilesInOneVolumeAreOneEntryPerCycle() throws {
        let bench = try AlertBench()
        let data = bench.box.volume("ns", "data", uid: "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9")
        let logs = bench.box.volume("ns", "logs", uid: "0b5c7f9e-1111-4222-8333-444455556666")
        try Self.write(bench, data + "/assets/scalp/20260203_09.jsonl", "{}\n")
        try Self.write(bench, data + "/assets/scalp/20260203_10.jsonl", "{}\n{}\n")
        try Self.write(bench, data + "/assets/swing/20260203.jsonl", "{}\n{}\n{}\n")
        try Self.write(bench, logs + "/system/a.log", "x\n")
        try bench.scanAndRun()

        for f in ["assets/scalp/20260203_09.jsonl", "assets/scalp/20260203_10.jsonl", "assets/swing/20260203.jsonl"] {
            #expect(unlink(data + "/" + f) == 0)
        }
        #expect(unlink(logs + "/system/a.log") == 0)
        bench.now += 60
        let sent = try bench.scanAndRun()
        #expect(sent.count == 2 && sent.allSatisfy { $0.type == .fileVanished && $0.state == .firing })
        let d = try #require(sent.first { $0.record.subject == data }?.record)
        #expect(d.number("FILES") == 3 && d.number("BYTES") == 3 + 6 + 9)
        #expect(d.filePath == data + "/assets", "the common directory")
        #expect(d.track == nil && d.pvc == "data" && d.priority == 3)
        #expect(!d.message.contains("20260203"), "no raw file names in MESSAGE")
        let l = try #require(sent.first { $0.record.subject == logs }?.record)
        #expect(
            l.number("FILES") == 1 && l.filePath == logs + "/system/a.log" && l.track == "system", "one file: the file")
        #expect(try bench.firing(.fileVanished).map(\.count).sorted() == [1, 3])
    }

    @Test func deletionsTheRetentionExplainsAreQuiet() throws {
        let bench = try AlertBench()
        let data = bench.box.volume("ns", "data")
        try Self.write(bench, data + "/scalp/20260130_09.jsonl", "{}\n", age: 4 * 86400)  // scalp keeps 3 days
        try Self.write(bench, data + "/scalp/20260203_09.jsonl", "{}\n{}\n")
        try bench.scanAndRun()
        #expect(unlink(data + "/scalp/20260130_09.jsonl") == 0)
        bench.now += 60
        #expect(try bench.scanAndRun().isEmpty, "the application's own cleanup")
        #expect(try bench.stored(.fileVanished).isEmpty)

        #expect(unlink(data + "/scalp/20260203_09.jsonl") == 0)
        bench.now += 60
        let sent = try bench.scanAndRun()
        #expect(sent.map(\.type) == [.fileVanished] && sent.first?.number("FILES") == 1)
        #expect(sent.first?.record.filePath == data + "/scalp/20260203_09.jsonl" && sent.first?.record.track == "scalp")
    }

    @Test func newDeletionsInALaterCycleAreANewEntryEvenWhileTheFirstIsFiring() throws {
        let bench = try AlertBench()
        let data = bench.box.volume("ns", "data")
        try Self.write(bench, data + "/a.log", "1\n")
        try Self.write(bench, data + "/b.log", "22\n")
        try bench.scanAndRun()
        #expect(unlink(data + "/a.log") == 0)
        bench.now += 60
        #expect(try bench.scanAndRun().count == 1)
        #expect(unlink(data + "/b.log") == 0)
        bench.now += 60
        let second = try bench.scanAndRun()
        #expect(second.map(\.type) == [.fileVanished])
        #expect(second.first?.number("FILES") == 1 && second.first?.number("BYTES") == 3)
        #expect(try bench.firing(.fileVanished).first?.count == 2, "the index counts both")
    }

    @Test func aFileThatShrankFiresFileTruncatedWithTheLostBytes() throws {
        let bench = try AlertBench()
        let data = bench.box.volume("ns", "data")
        let file = data + "/scalp/20260203_09.jsonl"
        try Self.write(bench, file, "{\"p\":1}\n{\"p\":2}\n")
        try bench.scanAndRun()
        try Self.write(bench, file, "{}\n", age: 60)
        bench.now += 60
        let sent = try bench.scanAndRun()
        #expect(sent.map(\.type) == [.fileTruncated])
        let r = try #require(sent.first?.record)
        #expect(r.subject == file && r.filePath == file && r.track == "scalp" && r.priority == 4)
        #expect(r.number("BYTES") == 13, "16 bytes became 3")
        #expect(try bench.firing(.fileTruncated).map(\.subject) == [file])

        bench.now += 60
        #expect(try bench.scanAndRun().isEmpty, "a file that stays the same is no news")
        bench.now += 6 * 3600
        #expect(try bench.scanAndRun().map(\.state) == [.resolved], "events resolve after a quiet renotify")
    }

    @Test func aFileThatGrewIsNotTruncated() throws {
        let bench = try AlertBench()
        let data = bench.box.volume("ns", "data")
        try Self.write(bench, data + "/a.log", "1\n")
        try bench.scanAndRun()
        bench.box.append(data + "/a.log", "2\n")
        bench.now += 60
        #expect(try bench.scanAndRun().isEmpty)
        #expect(try bench.stored(.fileTruncated).isEmpty)
    }
}
