import Foundation
import Glibc
import TestSupport
import Testing

@testable import Alerting

@Suite struct CLITests {
    static let queryKeys: Set<String> = [
        "path", "namespace", "pvc", "pv", "track", "date", "hour", "kind", "size", "lines", "mtime", "uid", "gid",
        "deleted", "volume_state",
    ]
    static let pvcKeys: Set<String> = [
        "namespace", "pvc", "pv", "path", "state", "source", "files", "bytes", "used_bytes", "last_write", "uid", "gid",
        "capacity", "mounts",
    ]

    @Test func queryScansFirstAndPrintsTheContractJSON() throws {
        let box = CLISandbox()
        let (data, _) = box.observer()
        let r = box.agent("query", "--track", "scalp", "--date", "20260203", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.json
        #expect(rows.count == 8)  // 7 hourly data files + the scalp log
        for row in rows { #expect(Set(row.keys) == Self.queryKeys) }
        let first = try #require(rows.first { ($0["path"] as? String) == data + "/assets/scalp/20260203_09.jsonl" })
        #expect(first["namespace"] as? String == "observer-prod")
        #expect(first["pvc"] as? String == "observer-data-pvc")
        #expect(first["pv"] as? String == "pvc-5d0a1c2e-0000-4000-8000-000000000001")
        #expect(first["track"] as? String == "scalp")
        #expect(first["date"] as? String == "20260203")
        #expect(first["hour"] as? Int == 9)
        #expect(first["kind"] as? String == "jsonl")
        #expect(first["size"] as? Int == 16)
        #expect(first["lines"] as? Int == 2)
        #expect(first["deleted"] as? Bool == false)
        #expect(first["volume_state"] as? String == "current")
        #expect((first["mtime"] as? String)?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil)
        let paths = rows.compactMap { $0["path"] as? String }
        #expect(paths == paths.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }

    @Test func tableHasOneRowPerFileAndATotalsLine() {
        let box = CLISandbox()
        let (data, _) = box.observer()
        box.write(data + "/assets/scalp/evil\nname_20260203_10.jsonl", "x\n")
        let r = box.agent("query", "--track", "scalp", "--date", "20260203", "--kind", "jsonl")
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 1 + 8 + 1)  // header, rows, totals
        #expect(lines.first?.hasPrefix("MODIFIED") == true)
        #expect(lines.last == "8 files, 114B, 15 lines")
        #expect(r.stdout.contains("evil\\x0aname_20260203_10.jsonl"))
    }

    @Test func oddBytesInNamesAreEscapedInJSON() throws {
        let box = CLISandbox()
        let v = box.volume("ns", "data")
        let name: [UInt8] = Array("caf".utf8) + [0xE9] + Array("\nx.log".utf8)
        let dir = open(v, O_RDONLY | O_DIRECTORY)
        let fd = (name + [0]).withUnsafeBytes {
            openat(dir, $0.baseAddress!.assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644)
        }
        _ = write(fd, "1\n", 2)
        close(fd)
        close(dir)
        let r = box.agent("query", "--json")
        #expect(r.status == 0)
        let path = try #require(r.json.first?["path"] as? String)
        #expect(path == v + "/caf\\xe9\nx.log")
    }

    @Test func pvcListShowsRecreatedVolumesAsCurrentAndStale() throws {
        let box = CLISandbox()
        let old = box.volume("observer-prod", "observer-data-pvc", uid: "00000000-0000-4000-8000-000000000001")
        box.write(old + "/assets/scalp/20260202_09.jsonl", "a\nb\n")
        usleep(1_100_000)
        let new = box.volume("observer-prod", "observer-data-pvc", uid: "00000000-0000-4000-8000-000000000002")
        let r = box.agent("pvc", "list", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.json.count == 2)
        for row in r.json { #expect(Set(row.keys) == Self.pvcKeys) }
        let byPath = Dictionary(uniqueKeysWithValues: r.json.map { ($0["path"] as! String, $0) })
        #expect(byPath[old]?["state"] as? String == "stale")
        #expect(byPath[old]?["files"] as? Int == 1)
        #expect(byPath[old]?["bytes"] as? Int == 4)
        #expect(byPath[new]?["state"] as? String == "current")
        #expect(byPath[new]?["source"] as? String == "dirname")
        #expect(byPath[new]?["last_write"] is NSNull)
        let resolved = box.agent("pvc", "resolve", "observer-prod/observer-data-pvc")
        #expect(resolved.stdout == new + "\n")
        #expect(box.agent("pvc", "resolve", "observer-data-pvc").stdout == new + "\n")
    }

    @Test func pvcResolveSaysWhenNothingOrTooMuchMatches() {
        let box = CLISandbox()
        box.volume("a", "data", uid: "00000000-0000-4000-8000-000000000001")
        box.volume("b", "data", uid: "00000000-0000-4000-8000-000000000002")
        let missing = box.agent("pvc", "resolve", "a/other")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no volume directory for PVC a/other"))
        let ambiguous = box.agent("pvc", "resolve", "data")
        #expect(ambiguous.status == 64)
        #expect(ambiguous.stderr.contains("several namespaces"))
    }

    @Test func pvListFromTheConfiguredCommandMakesUnclaimedDirectoriesOrphans() throws {
        let box = CLISandbox()
        let claimed = box.volume("observer-prod", "observer-data-pvc", uid: "00000000-0000-4000-8000-000000000001")
        let orphan = box.volume("observer-prod", "old-pvc", uid: "00000000-0000-4000-8000-000000000002")
        let pvs = """
            {"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"PersistentVolume",
            "metadata":{"name":"pvc-00000000-0000-4000-8000-000000000001","creationTimestamp":"2026-02-01T00:00:00Z",
            "annotations":{"local.path.provisioner/selected-node":"node1"}},
            "spec":{"capacity":{"storage":"20Gi"},"claimRef":{"kind":"PersistentVolumeClaim","namespace":"observer-prod",
            "name":"observer-data-pvc","uid":"00000000-0000-4000-8000-000000000001"},
            "hostPath":{"path":"\(claimed)","type":"DirectoryOrCreate"},"persistentVolumeReclaimPolicy":"Delete",
            "storageClassName":"local-path","volumeMode":"Filesystem"},"status":{"phase":"Bound"}}]}
            """
        box.write(box.dir + "/pv.json", pvs)
        let config = "kubernetes:\n  pv_command: cat \(box.dir)/pv.json\n"
        let r = box.agent("pvc", "list", "--json", config: config)
        #expect(r.status == 0, "\(r.stderr)")
        let byPath = Dictionary(uniqueKeysWithValues: r.json.map { ($0["path"] as! String, $0) })
        #expect(byPath[claimed]?["source"] as? String == "api")
        #expect(byPath[claimed]?["capacity"] as? Int == 21_474_836_480)
        #expect(byPath[orphan]?["state"] as? String == "orphan")
        let failing = box.agent("scan", config: "kubernetes:\n  pv_command: exit 3\n")
        #expect(failing.status == 0)
        #expect(failing.stderr.contains("exited with status 3; using directory names"))
    }

    @Test func refreshAndIncludeDeletedShowWhatVanished() {
        let box = CLISandbox()
        let (data, _) = box.observer()
        #expect(box.agent("scan").status == 0)
        unlink(data + "/assets/scalp/20260203_09.jsonl")
        #expect(box.agent("query", "--track", "scalp", "--kind", "jsonl", "--json").json.count == 7)
        #expect(box.agent("query", "--track", "scalp", "--kind", "jsonl", "--json", "--refresh").json.count == 6)
        let all = box.agent("query", "--track", "scalp", "--kind", "jsonl", "--include-deleted", "--json").json
        #expect(all.count == 7)
        #expect(all.filter { $0["deleted"] as? Bool == true }.count == 1)
    }

    @Test func scanPrintsASummary() {
        let box = CLISandbox()
        _ = box.observer()
        let r = box.agent("scan")
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("scanned 2 volumes: 11 files"))
        #expect(box.agent("scan").stdout.contains("0 counted"))
    }
}

@Suite struct PathArgumentTests {
    @Test func relativeStorageRootAndDatabaseAreTakenFromTheWorkingDirectory() throws {
        let box = CLISandbox()
        _ = box.observer()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = ["--db", "state/rel.db", "--storage-root", "storage", "query", "--json"]
        p.currentDirectoryURL = URL(fileURLWithPath: box.dir)
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let rows = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(rows.count == 11)
        #expect((rows.first?["path"] as? String)?.hasPrefix(box.root + "/") == true)
        #expect(FileManager.default.fileExists(atPath: box.dir + "/state/rel.db"))
    }
}

@Suite struct GapsCLITests {
    /// The first six are the original contract; the rest were added.
    static let keys: Set<String> = [
        "namespace", "pvc", "path", "track", "date", "missing", "deleted", "outside_window", "volume_state",
        "stale_only", "stale_paths",
    ]

    @Test func gapsListTheMissingHoursOfAnActiveDay() throws {
        let box = CLISandbox()
        let v = box.volume("observer-prod", "observer-data-pvc")
        for h in [9, 11, 12, 14, 15] { box.write(v + "/assets/scalp/20260203_\(h < 10 ? "0" : "")\(h).jsonl", "{}\n") }
        let text = box.agent("query", "--gaps", "--track", "scalp", "--date", "20260203")
        #expect(text.status == 0)
        #expect(text.stdout == "observer-prod/observer-data-pvc  scalp  20260203  missing 10:00, 13:00\n")
        let json = box.agent("query", "--gaps", "--date", "20260203", "--json")
        let row = try #require(json.json.first)
        #expect(Set(row.keys) == GapsCLITests.keys)
        #expect(row["missing"] as? [Int] == [10, 13])
        #expect(row["deleted"] as? [Int] == [])
        // Saturday is not an active day: that is said, not "no gaps".
        let saturday = box.agent("query", "--gaps", "--track", "scalp", "--date", "20260207")
        #expect(saturday.status == 0)
        #expect(
            saturday.stdout
                == "20260207 is outside scalp's active window (Mon-Fri 09:00-15:30 Asia/Seoul): no hours to check\n")
        #expect(box.agent("query", "--gaps", "--date", "20260231").status == 64)
    }
}
