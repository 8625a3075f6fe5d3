import Foundation
import TestSupport
import Testing

@testable import StorageAgent

/// Tables fit a terminal narrower than they are (on a real pseudo-terminal, through script(1));
/// piped, they are never shortened.
@Suite struct QueryTerminalWidthTests {
    /// Runs the agent on a pty made by script(1), sized `columns` wide by stty(1), with `COLUMNS`
    /// set when given; the pty's CR LF line ends are given back as LF.
    func onTerminal(_ node: SeoulNode, columns: Int, env: String = "", _ arguments: [String]) -> String {
        let agent = ([CLI.binary, "--db", node.box.db, "--storage-root", node.box.root] + arguments).joined(
            separator: " ")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", "stty cols \(columns) rows 50 && \(env) exec \(agent)", "/dev/null"]
        p.environment = ["TZ": "UTC", "PATH": "/usr/bin:/bin"]
        let out = Pipe()
        p.standardOutput = out
        p.standardInput = FileHandle.nullDevice
        try! p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
    }

    @Test func aNarrowTerminalShortensLongColumnsInTheMiddle() {
        let node = SeoulNode()
        let piped = node.agent("query", "--track", "scalp")
        let wide = piped.stdout.split(separator: "\n").map(String.init)
        #expect(wide.map(\.count).max()! > 80)
        let shown = onTerminal(node, columns: 80, ["query", "--track", "scalp"])
        let lines = shown.split(separator: "\n").map(String.init)
        #expect(lines.count == wide.count, "\(shown)")
        #expect(lines.dropLast().allSatisfy { $0.count <= 80 }, "\(shown)")
        #expect(lines.first == "MODIFIED (Asia/Seoul)  SIZE  LINES  TRACK  PVC                PATH")
        #expect(
            lines[1] == "2026-02-03 09:10:00      3B      1  scalp  obser…er-logs-pvc  asset…203_09.jsonl", "\(shown)")
        #expect(lines.last == wide.last, "the totals line is whole")
        // COLUMNS wins over the terminal's size.
        let narrower = onTerminal(node, columns: 200, env: "COLUMNS=70", ["query", "--track", "scalp", "-o", "wide"])
        // Each shrinkable column is cut to 12 and the row is as narrow as it can be.
        #expect(
            narrower.split(separator: "\n").first
                == "MODIFIED (Asia/Seoul)  SIZE  LINES  TRACK  PVC           PV            PATH          HOST-PATH")
        #expect(narrower.contains("  obs…logs-pvc  pvc…a23701da  ass…09.jsonl  /tm…09.jsonl\n"), "\(narrower)")
        #expect(narrower.split(separator: "\n").count == 6, "\(narrower)")
        // A terminal wide enough: nothing is shortened.
        #expect(onTerminal(node, columns: 250, ["query", "--track", "scalp"]) == piped.stdout)
    }

    @Test func pipedOutputIsNeverShortened() {
        let node = SeoulNode()
        let piped = node.agent(["query", "-o", "wide"], environment: ["COLUMNS": "40"])
        #expect(piped.status == 0)
        #expect(!piped.stdout.contains("…"))
        #expect(piped.stdout.contains(node.volume + "/assets/scalp/20260203_09.jsonl"))
        #expect(piped.stdout == node.agent("query", "-o", "wide").stdout)
    }

    @Test func cellsAreShortenedInTheMiddleKeepingMoreOfTheEnd() {
        #expect(
            Table.shortened("pvc-3a60a238-a7b1-45b5-9d1d-cfd3a23701da_observer-logs-pvc", to: 28)
                == "pvc-3a60a…_observer-logs-pvc")
        #expect(Table.shortened("short", to: 28) == "short")
        #expect(Terminal.width(columns: "100", terminal: 80) == 100)
        #expect(Terminal.width(columns: "x", terminal: 80) == 80)
        #expect(Terminal.width(columns: nil, terminal: nil) == nil)
    }
}
