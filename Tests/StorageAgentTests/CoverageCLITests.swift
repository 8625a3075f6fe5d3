import Foundation
import Glibc
import HostFS
import Inventory
import TestSupport
import Testing

/// The incident's PVC over the week of 2026-02-02 (Mon) to 02-08 (Sun) with every cell state:
/// a stale directory born first, the current one after it, scanned, then deletions and a rescued
/// copy. Hours 09-15 of each weekday hold 40 bytes, except:
/// Tue 10 partial (3 bytes), Wed 11 deleted (just written), Wed 12 expired (last written 10 days
/// ago, retention 3d), Thu 13 rescued (a copy in the rescue area only), Fri 14 stale (only in the
/// old directory), Fri 15 missing.
struct CoverageWeek {
    static let oldPV = "pvc-00000000-0000-4000-8000-0000000000c1"
    static let newPV = "pvc-00000000-0000-4000-8000-0000000000c2"
    static let hour = String(repeating: "{\"p\":1}\n", count: 5)
    static let config = """
        volumes:
          - pvc: observer-prod/observer-data-pvc
            mount: /app/data
        """

    let box = CLISandbox()
    let old: String
    let new: String
    let copy: String

    init() throws {
        old = box.volume("observer-prod", "observer-data-pvc", uid: String(Self.oldPV.dropFirst(4)))
        box.write(old + "/assets/scalp/20260206_14.jsonl", Self.hour)
        sleepPastASecond()
        new = box.volume("observer-prod", "observer-data-pvc", uid: String(Self.newPV.dropFirst(4)))
        for day in 2...6 {
            for h in 9...15 where ![(5, 13), (6, 14), (6, 15)].contains(where: { $0 == (day, h) }) {
                box.write(new + "/assets/scalp/" + Self.name(day, h), day == 3 && h == 10 ? "{}\n" : Self.hour)
            }
        }
        try setModificationTime(new + "/assets/scalp/20260204_12.jsonl", seconds: Int(time(nil)) - 10 * 86400)
        #expect(box.agent(["scan"], config: Self.config).status == 0)
        for h in [11, 12] { unlink(new + "/assets/scalp/" + Self.name(4, h)) }
        #expect(box.agent(["scan"], config: Self.config).status == 0)
        copy =
            box.dir + "/rescue/observer-prod/observer-7d9f8b6c5-x2x4q/observer/app/data/assets/scalp/20260205_13.jsonl"
        box.write(copy, Self.hour)
        let inventory = try box.inventory()
        try inventory.saveRescued(
            RescuedRecord(
                snapshots: "/var/lib/rancher/k3s/agent/containerd/snapshots", snapshot: "2", containerID: "c0ffee",
                podUID: nil, pod: "observer-7d9f8b6c5-x2x4q", namespace: "observer-prod", container: "observer",
                containerPath: Array("/app/data/assets/scalp/20260205_13.jsonl".utf8), rescuedPath: Array(copy.utf8),
                generation: 1, bytes: 40, sha256: "", hashState: [], tailOffset: 0, tailSHA256: [], sourceInode: 1,
                sourceMtimeNs: 0, firstCopied: Int64(time(nil))))
    }

    static func name(_ day: Int, _ h: Int) -> String { "2026020\(day)_\(h < 10 ? "0" : "")\(h).jsonl" }

    /// `coverage` of scalp over the week, with the week's config.
    func coverage(_ arguments: String...) -> CLIResult {
        box.agent(
            ["coverage", "--track", "scalp", "--since", "20260202", "--until", "20260208"] + arguments,
            config: Self.config)
    }

    /// When the index saw the deleted hour go, as the detail spells it.
    func deletedAt() throws -> String {
        let seconds = try #require(try box.inventory().record("20260204_11.jsonl")?.deletedAt)
        return SystemClock.rfc3339(ns: seconds * 1_000_000_000)
    }
}

@Suite struct CoverageCLITests {
    static let legend =
        "# present  + partial  r rescued  s stale  x deleted  ~ expired  . missing  - outside the window  _ not due yet\n"

    @Test func aWeekWithEveryStateDrawsThePlainGrid() throws {
        let week = try CoverageWeek()
        let r = week.coverage()
        #expect(r.status == 1)
        #expect(r.stderr == "storage-agent: cells the PVCs lack: 1 rescued, 1 stale, 1 deleted, 1 missing\n")
        let expected = """
            observer-prod/observer-data-pvc  scalp  20260202..20260208  hourly, Mon-Fri 09:00-15:30 Asia/Seoul
                          09 10 11 12 13 14 15
            Mon 20260202  #  #  #  #  #  #  #
            Tue 20260203  #  +  #  #  #  #  #
            Wed 20260204  #  #  x  ~  #  #  #
            Thu 20260205  #  #  #  #  r  #  #
            Fri 20260206  #  #  #  #  #  s  .
            Sat 20260207  -  -  -  -  -  -  -
            Sun 20260208  -  -  -  -  -  -  -
              49 hours: 29 present, 1 partial, 1 rescued, 1 stale, 1 deleted, 1 expired, 1 missing, 14 outside the window
              Tue 20260203 10:00  partial  assets/scalp/20260203_10.jsonl: 3B, under half the median 40B of 10:00 over the range
              Wed 20260204 11:00  deleted  assets/scalp/20260204_11.jsonl: deleted (seen gone \(try week.deletedAt())) before the track's retention (3d)
              Wed 20260204 12:00  expired  assets/scalp/20260204_12.jsonl: removed by the track's retention (3d)
              Thu 20260205 13:00  rescued  \(week.copy): only a copy, rescued from a container's writable layer (storage-agent rescue restore observer-prod/observer-data-pvc)
              Fri 20260206 14:00  stale  assets/scalp/20260206_14.jsonl: only in the stale directory \(week.old) of this PVC (storage-agent adopt observer-prod/observer-data-pvc)


            """ + Self.legend
        #expect(r.stdout == expected)
        #expect(!r.stdout.utf8.contains(0x1B), "piped output has no colour")
    }

    @Test func theJSONHasOneObjectPerCell() throws {
        let week = try CoverageWeek()
        let r = week.coverage("--json")
        #expect(r.status == 1)
        let volume = week.new
        func line(
            _ day: Int, _ h: Int, _ state: String, files: Int = 0, bytes: Int = 0, detail: String?, paths: [String]
        )
            -> String
        {
            let quoted = paths.map { "\"\($0)\"" }.joined(separator: ",")
            return
                #"{"namespace":"observer-prod","pvc":"observer-data-pvc","pv":"\#(CoverageWeek.newPV)","path":"\#(volume)","volume_state":"current","track":"scalp","date":"2026020\#(day)","hour":\#(h),"state":"\#(state)","files":\#(files),"bytes":\#(bytes),"detail":\#(detail.map { "\"\($0)\"" } ?? "null"),"paths":[\#(quoted)]}"#
        }
        let file = { (day: Int, h: Int) in volume + "/assets/scalp/" + CoverageWeek.name(day, h) }
        var lines: [String] = []
        for day in 2...8 {
            for h in 9...15 {
                switch (day, h) {
                case (3, 10):
                    lines.append(
                        line(
                            day, h, "partial", files: 1, bytes: 3,
                            detail: "3B, under half the median 40B of 10:00 over the range", paths: [file(day, h)]))
                case (4, 11):
                    lines.append(
                        line(
                            day, h, "deleted", files: 1, bytes: 40,
                            detail: "deleted (seen gone \(try week.deletedAt())) before the track's retention (3d)",
                            paths: [file(day, h)]))
                case (4, 12):
                    lines.append(
                        line(
                            day, h, "expired", files: 1, bytes: 40, detail: "removed by the track's retention (3d)",
                            paths: [file(day, h)]))
                case (5, 13):
                    lines.append(
                        line(
                            day, h, "rescued", files: 1, bytes: 40,
                            detail:
                                "only a copy, rescued from a container's writable layer (storage-agent rescue restore observer-prod/observer-data-pvc)",
                            paths: [week.copy]))
                case (6, 14):
                    lines.append(
                        line(
                            day, h, "stale", files: 1, bytes: 40,
                            detail:
                                "only in the stale directory \(week.old) of this PVC (storage-agent adopt observer-prod/observer-data-pvc)",
                            paths: [week.old + "/assets/scalp/20260206_14.jsonl"]))
                case (6, 15):
                    lines.append(line(day, h, "missing", detail: "no file was ever indexed for it", paths: []))
                case (7, _), (8, _):
                    let weekday = day == 7 ? "Sat" : "Sun"
                    lines.append(
                        line(
                            day, h, "outside", detail: "\(weekday) is outside the active window (Mon-Fri 09:00-15:30)",
                            paths: []))
                default:
                    lines.append(line(day, h, "present", files: 1, bytes: 40, detail: nil, paths: [file(day, h)]))
                }
            }
        }
        #expect(r.stdout == "[\n" + lines.joined(separator: ",\n") + "\n]\n")
        #expect(r.json.count == 49)
    }
}
