import Foundation
import Glibc
import TestSupport
import Testing

@testable import Alerting
@testable import Workloads

/// `doctor` on healthy and broken trees; every FAIL provoked for real.
@Suite struct DoctorCLITests {
    func rows(_ r: CLIResult) -> [String: [[String: Any]]] {
        Dictionary(grouping: r.json, by: { $0["check"] as? String ?? "" })
    }

    func status(_ r: CLIResult, _ check: String, _ subject: String? = nil) -> String? {
        rows(r)[check]?.first { subject == nil || ($0["subject"] as? String) == subject }?["status"] as? String
    }

    @Test func aHealthyNodePassesWithTheRunbookFormat() {
        let box = CLISandbox()
        _ = box.observer()
        let config = """
            volumes:
              - pvc: observer-prod/observer-data-pvc
                expect: true
                fix_ownership: true
            """
        #expect(box.agent(["fix-ownership"], config: config).status == 0)
        let r = box.agent(["doctor"], config: config)
        #expect(r.status == 0, "\(r.stdout)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("PASS  write-test") && $0.contains("observer-prod/observer-data-pvc") })
        #expect(lines.contains { $0.hasPrefix("PASS  ownership") })
        #expect(lines.contains { $0.hasPrefix("PASS  volume-expected") })
        #expect(lines.contains { $0.hasPrefix("PASS  storage-root") })
        #expect(lines.last?.contains("0 failed") == true)
        let json = box.agent(["doctor", "--json"], config: config)
        for row in json.json { #expect(Set(row.keys) == ["check", "status", "subject", "detail", "hint"]) }
    }

    @Test func writeTestAsUid999FailsOnARootOwned0755Volume() {
        let box = CLISandbox()
        let (data, _) = box.observer()
        chmod(data, 0o755)  // root-owned, not writable by 999: the crash-loop situation
        let config = "volumes:\n  - pvc: observer-prod/observer-data-pvc\n    expect: true\n"
        let r = box.agent(["doctor", "--json"], config: config)
        #expect(r.status == 1)
        let row = rows(r)["write-test"]?.first
        #expect(row?["status"] as? String == "fail")
        #expect((row?["detail"] as? String)?.contains("uid 999 cannot create a file here: Permission denied") == true)
        #expect(row?["hint"] as? String == "storage-agent fix-ownership observer-prod/observer-data-pvc")
        #expect(FileManager.default.fileExists(atPath: data + "/observer.jsonl"))
        #expect(box.agent(["fix-ownership", "observer-prod/observer-data-pvc"]).status == 0)
        #expect(status(box.agent(["doctor", "--json"], config: config), "write-test") == "pass")
    }

    @Test func missingExpectedVolumeAndWrongOwnershipFail() {
        let box = CLISandbox()
        _ = box.observer()
        let config = """
            volumes:
              - pvc: observer-prod/observer-universe-pvc
                expect: true
              - pvc: observer-prod/observer-logs-pvc
                fix_ownership: true
            """
        let r = box.agent(["doctor", "--json"], config: config)
        #expect(r.status == 1)
        #expect(status(r, "volume-expected", "observer-prod/observer-universe-pvc") == "fail")
        #expect(status(r, "ownership", "observer-prod/observer-logs-pvc") == "fail")
        let hint = rows(r)["volume-expected"]?.first?["hint"] as? String
        #expect(hint?.contains("grep -A 15 Mounts:") == true)
    }

    @Test func noRecentWriteDuringAnActiveWindowFails() {
        let box = CLISandbox()
        let v = box.volume("observer-prod", "observer-data-pvc")
        box.write(v + "/ticks/20261101.jsonl", "{}\n")
        let old = Date().addingTimeInterval(-3 * 86400)
        try? FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: v + "/ticks/20261101.jsonl")
        let config = "tracks:\n  ticks: {active: \"Sun-Sat 00:00-24:00\", timezone: UTC}\n"
        let r = box.agent(["doctor", "--json"], config: config)
        #expect(r.status == 1)
        #expect(status(r, "track-recent", "ticks") == "fail")
        box.write(v + "/ticks/20261121.jsonl", "{}\n")
        #expect(status(box.agent(["doctor", "--json"], config: config), "track-recent", "ticks") == "pass")
    }

    @Test func fileCountFallingBetweenRunsFailsUnlessRetentionExplainsIt() {
        let box = CLISandbox()
        let (data, _) = box.observer()
        #expect(box.agent(["doctor"]).status == 0)
        unlink(data + "/observer.jsonl")  // no track, no retention: lost data
        let r = box.agent(["doctor", "--json"])
        #expect(r.status == 1)
        #expect(status(r, "persistence", "observer-prod/observer-data-pvc") == "fail")
        // A scalp file past its 3-day retention going away is the application's clean-up.
        box.write(data + "/assets/scalp/20261101_09.jsonl", "{}\n")
        let old = Date().addingTimeInterval(-5 * 86400)
        try? FileManager.default.setAttributes(
            [.modificationDate: old], ofItemAtPath: data + "/assets/scalp/20261101_09.jsonl")
        #expect(box.agent(["doctor"]).status == 0)
        unlink(data + "/assets/scalp/20261101_09.jsonl")
        #expect(status(box.agent(["doctor", "--json"]), "persistence", "observer-prod/observer-data-pvc") == "pass")
    }

    @Test func aMissingStorageRootFails() {
        let box = CLISandbox()
        _ = box.observer()
        let config = "storage_roots: [\(box.root), \(box.dir)/gone]\n"
        let r = CLI.run(["--config", writeConfig(box, config), "--db", box.db, "doctor", "--json"])
        #expect(r.status == 1)
        #expect(status(r, "storage-root", box.dir + "/gone") == "fail")
        #expect(status(r, "storage-root", box.root) == "pass")
    }

    @Test func aFullFileSystemFailsFreeSpace() throws {
        let box = CLISandbox()
        let root = box.dir + "/small"
        mkdir(root, 0o700)
        #expect(run("/bin/mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", root) == 0)
        defer { run("/bin/umount", root) }
        let v = root + "/pvc-00000000-0000-4000-8000-000000000009_observer-prod_full-pvc"
        mkdir(v, 0o777)
        // Fill it to the last block.
        let fd = open(v + "/fill.log", O_CREAT | O_WRONLY, 0o644)
        let chunk = [UInt8](repeating: 0x0A, count: 4096)
        while write(fd, chunk, chunk.count) > 0 {}
        close(fd)
        let r = CLI.run(["--db", box.db, "--storage-root", root, "doctor", "--json"])
        #expect(r.status == 1)
        #expect(status(r, "free-space", v) == "fail")
    }

    func writeConfig(_ box: CLISandbox, _ text: String) -> String {
        let path = box.dir + "/doctor.yaml"
        box.write(path, text)
        return path
    }
}
