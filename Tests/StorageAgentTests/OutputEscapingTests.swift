import Foundation
import HostFS
import Journal
import TestSupport
import Testing

@testable import StorageAgent

/// Text a tenant wrote (a link target, a file name) reaches logs, tables and JSON: it must never
/// start a line, a syslog priority or a terminal sequence, and two different names must never
/// print the same.
@Suite struct OutputEscapingTests {
    @Test func aForgedLogLineStaysInsideItsOwnLine() {
        let target = "/nowhere\n<0>storage-agent: FORGED everything is fine"
        let line = Log.line(4, "link /home/u/observer/data points at \(target)")
        #expect(
            line == "<4>link /home/u/observer/data points at /nowhere\\x0a<0>storage-agent: FORGED everything is fine\n"
        )
        #expect(line.filter { $0 == "\n" }.count == 1)
    }

    @Test func terminalSequencesAndC1ControlsAreShownNotSent() {
        #expect(RawName.safeLine("a\u{1B}[2Jb") == "a\\x1b[2Jb")
        #expect(RawName.safeLine("next\u{85}line\u{7F}") == "next\\xc2\\x85line\\x7f")
        #expect(RawName.safeLine("관측기 ok") == "관측기 ok")
    }

    @Test func aTableCellNeverBreaksItsRow() {
        var table = Table(["LINK", "TARGET"])
        table.append(["/home/u/data", "/x\n/y\r\u{1B}[2J"])
        let out = table.render()
        #expect(out.split(separator: "\n").count == 2)
        #expect(out.contains("/x\\x0a/y\\x0d\\x1b[2J"))
    }

    @Test func aNameSpelledBackslashXffAndTheByteFFDifferInJSON() throws {
        let box = Sandbox(label: "sa-escape")
        let v = box.volume("ns", "data")
        box.write(v + "/bad\\xff.jsonl", "{}\n")
        try writeFile(cPath: Array((v + "/bad").utf8) + [0xFF] + Array(".jsonl".utf8), Array("{}\n".utf8))
        let r = CLI.run(["--db", box.dbPath, "--storage-root", box.root, "query", "--refresh", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let paths = Set(r.json.compactMap { $0["path"] as? String })
        #expect(paths == [v + "/bad\\\\xff.jsonl", v + "/bad\\xff.jsonl"])
        // And in the table, each on its own row, the two still differ.
        let table = CLI.run(["--db", box.dbPath, "--storage-root", box.root, "query"])
        #expect(table.stdout.contains("bad\\\\xff.jsonl") && table.stdout.contains("bad\\xff.jsonl"))
    }
}
