import Foundation
import Glibc
import HostFS
import TestSupport
import Testing

@testable import Alerting
@testable import StorageAgent

/// A recreated PVC: its old directory (stale, born first) and its new one (current).
private struct Recreated {
    static let oldPV = "pvc-00000000-0000-4000-8000-0000000000a1"
    static let newPV = "pvc-00000000-0000-4000-8000-0000000000a2"
    let old: String
    let new: String

    init(_ box: CLISandbox, namespace: String = "observer-prod", name: String = "observer-data-pvc") {
        old = box.volume(namespace, name, uid: String(Self.oldPV.dropFirst(4)))
        for h in [9, 10, 11] { box.write(old + "/assets/scalp/20260203_\(h < 10 ? "0" : "")\(h).jsonl", "{}\n") }
        sleepPastASecond()
        new = box.volume(namespace, name, uid: String(Self.newPV.dropFirst(4)))
        for h in [14, 15] { box.write(new + "/assets/scalp/20260203_\(h).jsonl", "{}\n") }
    }
}

/// `query` tells a stale directory's files from the live PVC's: STATE, `volume_state`, `--pv`,
/// and `--pvc NAME` alone.
@Suite struct QueryVolumeStateTests {
    @Test func staleRowsCarryTheirStateInTheTableAndTheJSON() throws {
        let box = CLISandbox()
        let pvc = Recreated(box)
        let table = box.agent("query", "--track", "scalp", "--date", "20260203")
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.first?.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                == ["MODIFIED", "(Asia/Seoul)", "SIZE", "LINES", "TRACK", "PVC", "STATE", "PATH"])
        #expect(lines.filter { $0.contains("observer-prod/observer-data-pvc  stale ") }.count == 3)
        #expect(lines.filter { $0.contains("observer-prod/observer-data-pvc  current ") }.count == 2)
        // -o wide names the directory: the stale rows are the old one's.
        let wide = box.agent("query", "--track", "scalp", "--date", "20260203", "-o", "wide")
        let wideLines = wide.stdout.split(separator: "\n").map(String.init)
        let oldRows = wideLines.filter { $0.contains(pvc.old + "/") }
        let newRows = wideLines.filter { $0.contains(pvc.new + "/") }
        #expect(oldRows.count == 3 && newRows.count == 2)
        #expect(oldRows.allSatisfy { $0.contains("observer-prod/observer-data-pvc  \(Recreated.oldPV)  stale ") })
        #expect(newRows.allSatisfy { $0.contains("observer-prod/observer-data-pvc  \(Recreated.newPV)  current ") })

        let json = box.agent("query", "--track", "scalp", "--json")
        #expect(json.json.count == 5)
        for row in json.json {
            #expect(Set(row.keys) == CLITests.queryKeys)
            let path = try #require(row["path"] as? String)
            #expect(row["volume_state"] as? String == (path.hasPrefix(pvc.old + "/") ? "stale" : "current"))
            #expect(row["pvc"] as? String == "observer-data-pvc", "the PVC keys are kept as they were")
        }
    }

    @Test func theStateColumnIsShownOnlyWhenSomeRowIsNotCurrent() {
        let box = CLISandbox()
        let pvc = Recreated(box)
        let current = box.agent("query", "--pv", Recreated.newPV)
        #expect(current.status == 0)
        #expect(current.stdout.hasPrefix("MODIFIED (Asia/Seoul)  SIZE  LINES  TRACK  PVC  "))
        #expect(!current.stdout.contains("STATE"))
        #expect(current.stdout.split(separator: "\n").count == 1 + 2 + 1)
        #expect(!current.stdout.contains(pvc.old))
    }

    @Test func pvSelectsOneVolumeDirectory() {
        let box = CLISandbox()
        let pvc = Recreated(box)
        let old = box.agent("query", "--pv", Recreated.oldPV, "--json")
        #expect(old.status == 0, "\(old.stderr)")
        #expect(old.json.count == 3)
        #expect(old.json.allSatisfy { ($0["path"] as? String)?.hasPrefix(pvc.old + "/") == true })
        #expect(
            old.json.allSatisfy { $0["pv"] as? String == Recreated.oldPV && $0["volume_state"] as? String == "stale" })
        let both = box.agent("query", "--pvc", "observer-prod/observer-data-pvc", "--pv", Recreated.newPV, "--json")
        #expect(both.json.count == 2)
        let unknown = box.agent("query", "--pv", "pvc-nothing")
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no volume directory with PV pvc-nothing"))
    }

    @Test func pvcNameAloneWorksWhenOneNamespaceHasIt() {
        let box = CLISandbox()
        _ = Recreated(box)
        let byName = box.agent("query", "--pvc", "observer-data-pvc", "--json")
        let byClaim = box.agent("query", "--pvc", "observer-prod/observer-data-pvc", "--json")
        #expect(byName.status == 0, "\(byName.stderr)")
        #expect(byName.json.count == 5)
        #expect(byName.stdout == byClaim.stdout)
        let none = box.agent("query", "--pvc", "no-such-pvc")
        #expect(none.status == 1)
        #expect(box.agent("query", "--pvc", "a/b/c").status == 64)
        #expect(box.agent("query", "--pvc", "/x").status == 64)
    }

    @Test func anAmbiguousPVCNameIsAUsageErrorListingTheCandidates() {
        let box = CLISandbox()
        box.write(box.volume("team-b", "data", uid: "00000000-0000-4000-8000-0000000000b1") + "/x.jsonl", "{}\n")
        box.write(box.volume("team-a", "data", uid: "00000000-0000-4000-8000-0000000000b2") + "/x.jsonl", "{}\n")
        let r = box.agent("query", "--pvc", "data")
        #expect(r.status == 64)
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("team-a/data, team-b/data") == true)
        #expect(box.agent("query", "--gaps", "--pvc", "data").status == 64)
        #expect(box.agent("query", "--pvc", "team-a/data", "--json").json.count == 1)
    }

    /// Hostile: a writer in the old volume names a file with control bytes; its row stays one row,
    /// escaped, and still says stale.
    @Test func aControlByteNameInAStaleDirectoryIsEscapedWithItsState() throws {
        let box = CLISandbox()
        let pvc = Recreated(box)
        let name = Array("20260203_12".utf8) + [0x1B] + Array("[2J\r\nforged  current  x".utf8) + [0x07]
        _ = try writeFile(
            cPath: Array((pvc.old + "/assets/scalp/").utf8) + name + Array(".jsonl".utf8), Array("{}\n".utf8))
        let r = box.agent("query", "--track", "scalp", "--date", "20260203")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.utf8.contains(0x1B) && !r.stdout.utf8.contains(0x07) && !r.stdout.utf8.contains(0x0D))
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 1 + 6 + 1)
        let row = try #require(lines.first { $0.contains("\\x1b") })
        #expect(
            row.contains(
                "observer-prod/observer-data-pvc  stale    "
                    + "assets/scalp/20260203_12\\x1b[2J\\x0d\\x0aforged  current  x\\x07.jsonl"))
        let wide = box.agent("query", "--track", "scalp", "--date", "20260203", "-o", "wide")
        #expect(!wide.stdout.utf8.contains(0x1B) && wide.stdout.split(separator: "\n").count == 1 + 6 + 1)
        #expect(
            wide.stdout.contains(
                "  " + pvc.old + "/assets/scalp/20260203_12\\x1b[2J\\x0d\\x0aforged  current  x\\x07.jsonl\n"))
        let json = box.agent("query", "--pv", Recreated.oldPV, "--json")
        let hostile = try #require(json.json.first { ($0["path"] as? String)?.contains("forged") == true })
        #expect(hostile["volume_state"] as? String == "stale")
        #expect(
            hostile["path"] as? String == pvc.old
                + "/assets/scalp/20260203_12\u{1B}[2J\r\nforged  current  x\u{07}.jsonl")
    }
}

/// `query --gaps`: deleted hours, `--kind`, days outside the window, the default day, and a PVC
/// whose data is stranded in a stale directory.
@Suite struct GapsDeletedAndStaleCLITests {
    @Test func anHourWhoseFileWasDeletedIsADeletedHour() throws {
        let box = CLISandbox()
        let v = box.volume("observer-prod", "observer-data-pvc")
        for h in 9...15 { box.write(v + "/assets/scalp/20260203_\(h < 10 ? "0" : "")\(h).jsonl", "{}\n") }
        #expect(box.agent("scan").status == 0)
        #expect(unlink(v + "/assets/scalp/20260203_12.jsonl") == 0)
        let json = box.agent("query", "--gaps", "--date", "20260203", "--refresh", "--json")
        #expect(json.status == 0, "\(json.stderr)")
        let row = try #require(json.json.first)
        #expect(json.json.count == 1)
        #expect(Set(row.keys) == GapsCLITests.keys)
        #expect(row["missing"] as? [Int] == [])
        #expect(row["deleted"] as? [Int] == [12])
        #expect(row["outside_window"] as? Bool == false)
        #expect(row["volume_state"] as? String == "current")
        let text = box.agent("query", "--gaps", "--date", "20260203")
        #expect(text.stdout == "observer-prod/observer-data-pvc  scalp  20260203  deleted 12:00\n")
    }

    @Test func kindAppliesToGaps() throws {
        let box = CLISandbox()
        let v = box.volume("observer-prod", "observer-data-pvc")
        for h in [9, 10, 11, 12, 14, 15] { box.write(v + "/scalp/20260203_\(h < 10 ? "0" : "")\(h).jsonl", "{}\n") }
        box.write(v + "/scalp/20260203_13.log", "started\n")
        #expect(box.agent("query", "--gaps", "--date", "20260203").stdout == "no gaps on 20260203 for scalp\n")
        let jsonl = box.agent("query", "--gaps", "--date", "20260203", "--kind", "jsonl", "--json")
        #expect(jsonl.json.first?["missing"] as? [Int] == [13])
        let text = box.agent("query", "--gaps", "--date", "20260203", "--kind", "jsonl")
        #expect(text.stdout == "observer-prod/observer-data-pvc  scalp  20260203  missing 13:00\n")
    }

    @Test func aDayOutsideTheWindowIsExplicitInJSON() throws {
        let box = CLISandbox()
        let v = box.volume("observer-prod", "observer-data-pvc")
        box.write(v + "/scalp/20260207_10.jsonl", "{}\n")
        let r = box.agent("query", "--gaps", "--date", "20260207", "--json")
        #expect(r.status == 0)
        #expect(r.json.count == 1)
        let row = try #require(r.json.first)
        #expect(Set(row.keys) == GapsCLITests.keys)
        #expect(row["outside_window"] as? Bool == true)
        #expect(row["track"] as? String == "scalp" && row["date"] as? String == "20260207")
        #expect(row["missing"] as? [Int] == [] && row["deleted"] as? [Int] == [])
        #expect(row["path"] is NSNull)
    }

    @Test func withoutADateItTakesTheLastFinishedWindowAndSaysWhich() throws {
        let box = CLISandbox()
        let v = box.volume("observer-prod", "observer-data-pvc")
        box.write(v + "/scalp/20260203_09.jsonl", "{}\n")
        let gaps = Config().gaps
        let scalp = try #require(Config().track("scalp"))
        let before = try #require(gaps.lastFinishedDate(scalp, now: SystemClock.nowNs() / 1_000_000_000))
        let r = box.agent("query", "--gaps", "--track", "scalp", "--json")
        let after = try #require(gaps.lastFinishedDate(scalp, now: SystemClock.nowNs() / 1_000_000_000))
        #expect(r.status == 0, "\(r.stderr)")
        // The run may straddle a window's close; the date is one of the two it could have seen.
        let said = try #require(
            [before, after].first {
                r.stderr
                    == "storage-agent: scalp: \($0), the last finished active window (Mon-Fri 09:00-15:30 Asia/Seoul); pass --date for another day\n"
            }, "\(r.stderr)")
        let row = try #require(r.json.first)
        #expect(row["date"] as? String == said)
        #expect((row["missing"] as? [Int])?.count == 7, "no file of that day: every hour of its window is missing")
        #expect(box.agent("query", "--gaps", "--date", "20260203", "--track", "scalp").stderr.isEmpty)
    }

    @Test func aPVCsGapsUseItsCurrentDirectoryAndNameTheStaleOne() throws {
        let box = CLISandbox()
        let pvc = Recreated(box)
        let r = box.agent("query", "--gaps", "--date", "20260203", "--pvc", "observer-data-pvc")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout == """
                observer-prod/observer-data-pvc  scalp  20260203  missing 09:00, 10:00, 11:00, 12:00, 13:00
                  files for 09:00, 10:00, 11:00 are only in stale \(pvc.old)

                """)
        let json = box.agent(
            "query", "--gaps", "--date", "20260203", "--pvc", "observer-prod/observer-data-pvc", "--json")
        let row = try #require(json.json.first)
        #expect(json.json.count == 1)
        #expect(row["path"] as? String == pvc.new)
        #expect(row["stale_only"] as? [Int] == [9, 10, 11])
        #expect(row["stale_paths"] as? [String] == [pvc.old])
        // --pv checks the stale directory itself.
        let old = box.agent("query", "--gaps", "--date", "20260203", "--pv", Recreated.oldPV, "--json")
        let oldRow = try #require(old.json.first)
        #expect(oldRow["path"] as? String == pvc.old && oldRow["volume_state"] as? String == "stale")
        #expect(oldRow["missing"] as? [Int] == [12, 13, 14, 15])
        let oldText = box.agent("query", "--gaps", "--date", "20260203", "--pv", Recreated.oldPV)
        #expect(oldText.stdout.hasPrefix("observer-prod/observer-data-pvc (stale)  scalp  20260203  missing 12:00"))
    }

    @Test func aPVCWithoutACurrentDirectorySaysWhereItsFilesAre() throws {
        let box = CLISandbox()
        // No PV claims this directory: with the PV list configured it is an orphan, not current.
        let orphan = box.volume("observer-prod", "old-pvc", uid: "00000000-0000-4000-8000-000000000002")
        box.write(orphan + "/scalp/20260203_09.jsonl", "{}\n")
        box.write(box.dir + "/pv.json", #"{"apiVersion":"v1","kind":"List","items":[]}"#)
        let config = "kubernetes:\n  pv_command: cat \(box.dir)/pv.json\n"
        let r = box.agent(["query", "--gaps", "--date", "20260203", "--pvc", "old-pvc"], config: config)
        #expect(r.status == 1)
        #expect(
            r.stderr
                == "storage-agent: PVC observer-prod/old-pvc has no current directory; its files are only in "
                + "\(orphan) (orphan); pass --pv PV to check one\n")
        let absent = box.agent(
            ["query", "--gaps", "--date", "20260203", "--pvc", "observer-prod/other"], config: config)
        #expect(absent.status == 1)
        #expect(absent.stderr.contains("no volume directory for PVC observer-prod/other in the index"))
    }
}
