import Foundation
import Glibc
import TestSupport
import Testing

/// A node in UTC with an Asia/Seoul track: scalp files of two days, a swing file, a file with no
/// track at the volume's root, and a system file (a track without a time zone), each with a known
/// mtime.
struct SeoulNode {
    static let uid = "3a60a238-a7b1-45b5-9d1d-cfd3a23701da"
    static let pv = "pvc-" + uid
    let box = CLISandbox()
    let volume: String

    init() {
        volume = box.volume("observer-prod", "observer-logs-pvc", uid: Self.uid)
        // 2026-02-03 00:10:00Z is 09:10 in Seoul.
        let day3: TimeInterval = 1_770_077_400
        file("assets/scalp/20260203_09.jsonl", "{}\n", at: day3)
        file("assets/scalp/20260203_10.jsonl", "{}\n{}\n", at: day3 + 3600)
        file("assets/scalp/20260203_12.jsonl", "{\"p\":1}\n", at: day3 + 3 * 3600 - 60)
        file("assets/scalp/20260204_09.jsonl", "{}\n", at: day3 + 86400)
        file("assets/swing/20260203.jsonl", "{}\n{}\n{}\n", at: day3 + 6 * 3600)
        file("observer.jsonl", "{}\n", at: day3 + 12 * 3600)
        file("system/gap_20260205.jsonl", "{}\n", at: day3 + 2 * 86400)
    }

    func file(_ relative: String, _ text: String, at mtime: TimeInterval, in directory: String? = nil) {
        let path = (directory ?? volume) + "/" + relative
        box.write(path, text)
        try! FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: mtime)], ofItemAtPath: path)
    }

    /// The agent on this node with `TZ` (UTC unless told), and nothing else in its environment.
    func agent(_ arguments: String..., tz: String = "UTC", environment: [String: String] = [:]) -> CLIResult {
        agent(arguments, tz: tz, environment: environment)
    }

    func agent(_ arguments: [String], tz: String = "UTC", environment: [String: String] = [:]) -> CLIResult {
        CLI.run(
            ["--db", box.db, "--storage-root", box.root] + arguments,
            environment: ["TZ": tz, "PATH": "/usr/bin:/bin"].merging(environment) { $1 })
    }
}

/// `query -o table|wide|json`, zones in tables, `--utc`, `--sort`, `--no-headers`.
@Suite struct QueryOutputModeTests {
    @Test func theTableShowsThePathInsideTheVolumeAndEachRowsZone() {
        let node = SeoulNode()
        let r = node.agent("query")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout == """
                MODIFIED             ZONE        SIZE  LINES  TRACK   PVC                              PATH
                2026-02-03 09:10:00  Asia/Seoul    3B      1  scalp   observer-prod/observer-logs-pvc  assets/scalp/20260203_09.jsonl
                2026-02-03 10:10:00  Asia/Seoul    6B      2  scalp   observer-prod/observer-logs-pvc  assets/scalp/20260203_10.jsonl
                2026-02-03 12:09:00  Asia/Seoul    8B      1  scalp   observer-prod/observer-logs-pvc  assets/scalp/20260203_12.jsonl
                2026-02-04 09:10:00  Asia/Seoul    3B      1  scalp   observer-prod/observer-logs-pvc  assets/scalp/20260204_09.jsonl
                2026-02-03 15:10:00  Asia/Seoul    9B      3  swing   observer-prod/observer-logs-pvc  assets/swing/20260203.jsonl
                2026-02-03 12:10:00  UTC           3B      1  -       observer-prod/observer-logs-pvc  observer.jsonl
                2026-02-05 00:10:00  UTC           3B      1  system  observer-prod/observer-logs-pvc  system/gap_20260205.jsonl
                7 files, 35B, 10 lines

                """)
    }

    @Test func oneZoneIsNamedInTheHeaderAndUTCShowsUTC() {
        let node = SeoulNode()
        let seoul = node.agent("query", "--track", "scalp", "--date", "20260203")
        #expect(
            seoul.stdout == """
                MODIFIED (Asia/Seoul)  SIZE  LINES  TRACK  PVC                              PATH
                2026-02-03 09:10:00      3B      1  scalp  observer-prod/observer-logs-pvc  assets/scalp/20260203_09.jsonl
                2026-02-03 10:10:00      6B      2  scalp  observer-prod/observer-logs-pvc  assets/scalp/20260203_10.jsonl
                2026-02-03 12:09:00      8B      1  scalp  observer-prod/observer-logs-pvc  assets/scalp/20260203_12.jsonl
                3 files, 17B, 4 lines

                """)
        let utc = node.agent("query", "--track", "scalp", "--date", "20260203", "--utc")
        #expect(utc.stdout.hasPrefix("MODIFIED (UTC)       SIZE  LINES  TRACK  PVC  "), "\(utc.stdout)")
        #expect(utc.stdout.contains("\n2026-02-03 00:10:00    3B      1  scalp  "))
        // The node's zone is the process's: a file with no track follows TZ.
        let tokyo = node.agent(
            "query", "--pvc", "observer-logs-pvc", "--kind", "jsonl", "--sort", "time", tz: "Asia/Tokyo")
        #expect(
            tokyo.stdout.contains(
                "\n2026-02-03 21:10:00  Asia/Tokyo    3B      1  -       observer-prod/observer-logs-pvc  observer.jsonl\n"
            ), "\(tokyo.stdout)")
    }

    @Test func wideAddsThePVAndTheHostPath() {
        let node = SeoulNode()
        let r = node.agent("query", "--track", "swing", "-o", "wide")
        #expect(r.status == 0, "\(r.stderr)")
        let pv = SeoulNode.pv
        #expect(
            r.stdout == """
                MODIFIED (Asia/Seoul)  SIZE  LINES  TRACK  PVC                              PV                                        PATH                         HOST-PATH
                2026-02-03 15:10:00      9B      3  swing  observer-prod/observer-logs-pvc  \(pv)  assets/swing/20260203.jsonl  \(node.volume)/assets/swing/20260203.jsonl
                1 file, 9B, 3 lines

                """)
    }

    @Test func jsonIsTheSameByEitherSpellingAndDisagreeingIsAUsageError() {
        let node = SeoulNode()
        let a = node.agent("query", "--track", "scalp", "--json")
        let b = node.agent("query", "--track", "scalp", "-o", "json")
        #expect(a.status == 0 && a.json.count == 4)
        #expect(a.stdout == b.stdout)
        #expect(node.agent("query", "--track", "scalp", "--json", "-o", "json").stdout == a.stdout)
        let both = node.agent("query", "--json", "-o", "wide")
        #expect(both.status == 64)
        #expect(both.stderr == "storage-agent: --json and -o wide disagree; give one of them\n")
        #expect(node.agent("query", "-o", "yaml").status == 64)
    }

    @Test func sortByTimeGroupsByPVCAndTrackThenMtime() {
        let node = SeoulNode()
        let other = node.box.volume("observer-prod", "observer-data-pvc", uid: "00000000-0000-4000-8000-0000000000c1")
        // In path order 09 comes first; by time, 11 (written a day earlier) does.
        node.file("scalp/20260203_09.jsonl", "{}\n", at: 1_770_100_000, in: other)
        node.file("scalp/20260203_11.jsonl", "{}\n", at: 1_770_000_000, in: other)
        let (late, early) = (other + "/scalp/20260203_09.jsonl", other + "/scalp/20260203_11.jsonl")
        let r = node.agent("query", "--sort", "time", "--no-headers", "-o", "wide")
        let paths = r.stdout.split(separator: "\n").map { String($0.split(separator: " ").last ?? "") }
        let v = node.volume
        #expect(
            paths == [
                early, late,
                v + "/assets/scalp/20260203_09.jsonl", v + "/assets/scalp/20260203_10.jsonl",
                v + "/assets/scalp/20260203_12.jsonl", v + "/assets/scalp/20260204_09.jsonl",
                v + "/assets/swing/20260203.jsonl", v + "/system/gap_20260205.jsonl", v + "/observer.jsonl",
            ], "\(r.stdout)")
        let bySize = node.agent("query", "--sort", "size", "--json", "--pvc", "observer-logs-pvc")
        #expect(bySize.json.compactMap { $0["size"] as? Int } == [9, 8, 6, 3, 3, 3, 3])
        let byPath = node.agent("query", "--json").json.compactMap { $0["path"] as? String }
        #expect(byPath == byPath.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }

    @Test func noHeadersDropsTheHeaderAndTheTotals() {
        let node = SeoulNode()
        let r = node.agent("query", "--track", "scalp", "--no-headers")
        #expect(r.status == 0)
        #expect(
            r.stdout == """
                2026-02-03 09:10:00  3B  1  scalp  observer-prod/observer-logs-pvc  assets/scalp/20260203_09.jsonl
                2026-02-03 10:10:00  6B  2  scalp  observer-prod/observer-logs-pvc  assets/scalp/20260203_10.jsonl
                2026-02-03 12:09:00  8B  1  scalp  observer-prod/observer-logs-pvc  assets/scalp/20260203_12.jsonl
                2026-02-04 09:10:00  3B  1  scalp  observer-prod/observer-logs-pvc  assets/scalp/20260204_09.jsonl

                """)
    }
}
