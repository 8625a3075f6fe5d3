import Foundation
import Glibc
import Inventory
import TestSupport
import Testing

@testable import Alerting

/// Every user error is one line on stderr with the exit code of design.md.
@Suite struct ExitCodeTests {
    func expectOneLine(
        _ r: CLIResult, _ status: Int32, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(r.status == status, "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("storage-agent: "), sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(fragment), "\(r.stderr)", sourceLocation: sourceLocation)
    }

    @Test func missingNamedConfigIs66() {
        let box = CLISandbox()
        expectOneLine(CLI.run(["--config", box.dir + "/nope.yaml", "--db", box.db, "scan"]), 66, "does not exist")
    }

    @Test func badConfigIs78WithFileAndLine() {
        let box = CLISandbox()
        let r = box.agent("scan", config: "index:\n  include: [\"*.jsonl\"]\nstorag_roots: [/x]\n")
        expectOneLine(r, 78, "config.yaml:3: unknown key 'storag_roots'")
        let r2 = box.agent("scan", config: "index:\n  rescan_interval: 10x\n")
        expectOneLine(r2, 78, "config.yaml:2: index.rescan_interval: bad duration")
    }

    @Test func badDateIsUsage64() {
        let box = CLISandbox()
        let r = box.agent("query", "--date", "2026-02-03")
        #expect(r.status == 64)
        #expect(r.stderr.contains("YYYYMMDD"))
    }

    @Test func missingStorageRootIs66() {
        let box = CLISandbox()
        expectOneLine(
            CLI.run(["--db", box.db, "--storage-root", box.dir + "/absent", "scan"]), 66,
            "storage root \(box.dir)/absent does not exist")
    }

    @Test func nothingFoundIs1() {
        let box = CLISandbox()
        _ = box.observer()
        expectOneLine(box.agent("query", "--track", "swing", "--date", "20990101"), 1, "no indexed files match")
    }

    @Test func indexFromNewerVersionIs65() {
        let box = CLISandbox()
        _ = box.observer()
        #expect(box.agent("scan").status == 0)
        #expect(run("/usr/bin/sqlite3", box.db, "PRAGMA user_version = 42") == 0)
        let r = box.agent("query")
        expectOneLine(r, 65, "schema version 42")
        #expect(
            r.stderr.hasSuffix(
                "newer than this storage-agent supports (\(Inventory.schemaVersion)); upgrade storage-agent or pass --db with another file\n"
            ))
    }

    @Test func corruptIndexIsRebuiltWithAWarning() {
        let box = CLISandbox()
        _ = box.observer()
        mkdir(box.dir + "/state", 0o700)
        box.write(box.db, String(repeating: "garbage ", count: 1000))
        let r = box.agent("query", "--json")
        #expect(r.status == 0)
        #expect(r.json.count == 11)
        #expect(r.stderr.contains("was damaged; moved aside to"))
    }

    @Test func nonRootUserIsTold77ToUseSudo() {
        let box = CLISandbox()
        _ = box.observer()
        #expect(box.agent("scan").status == 0)
        let r = box.agent("query", asUser: 65534)
        expectOneLine(r, 77, "run with sudo")
    }

    @Test func uncreatableIndexIs73() {
        let box = CLISandbox()
        _ = box.observer()
        box.write(box.dir + "/file", "x")
        let r = CLI.run(["--db", box.dir + "/file/sub/inventory.db", "--storage-root", box.root, "scan"])
        expectOneLine(r, 73, "cannot create index \(box.dir)/file/sub: ")
        #expect(r.stderr.hasSuffix("; check that the directory is writable or pass --db\n"))
    }
}
