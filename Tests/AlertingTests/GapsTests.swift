import Glibc
import Inventory
import TestSupport
import Testing

@testable import Alerting

/// The gap rule on a real tree and index: a deleted file never fills its hour, `--kind` applies,
/// a day outside the window says so, the default day is the last finished window in the track's
/// zone, and a PVC is checked in its current directory.
@Suite struct GapsTests {
    static let utc = Track(name: "scalp", retention: 3 * 86400, active: .marketHours, hourly: true)
    static let seoul = Track(
        name: "scalp", retention: 3 * 86400, active: .marketHours, timezone: "Asia/Seoul", hourly: true)

    static func finder(_ track: Track) -> Gaps { Gaps(tracks: [track], zones: TimeZones(tracks: [track])) }

    static func hourly(_ bench: AlertBench, _ volume: String, _ hours: [Int], ext: String = "jsonl") {
        for h in hours { bench.box.write(volume + "/scalp/20260203_\(h < 10 ? "0" : "")\(h).\(ext)", "{}\n") }
    }

    @Test func anHourWhoseOnlyFileWasDeletedIsDeletedNotPresent() throws {
        let bench = try AlertBench(AlertSettings(tracks: [Self.utc]))
        let data = bench.box.volume("ns", "data")
        Self.hourly(bench, data, [9, 10, 11, 12, 14, 15])
        try bench.scanAndRun()
        #expect(unlink(data + "/scalp/20260203_11.jsonl") == 0)
        try bench.scanAndRun()
        #expect(try bench.inventory.record("20260203_11.jsonl")?.deletedAt != nil, "the index keeps it as deleted")

        let day = try #require(
            try Self.finder(Self.utc).day(bench.inventory, track: Self.utc, date: "20260203", now: bench.now))
        let gap = try #require(day.gaps.first)
        #expect(day.gaps.count == 1 && !day.outsideWindow && !day.dateFromClock)
        #expect(gap.volume.path == data)
        #expect(gap.missing == [13])
        #expect(gap.deleted == [11])
        #expect(gap.empty == [11, 13])

        // A live file of the hour fills it again, deleted siblings or not.
        bench.box.write(data + "/scalp/20260203_11_b.jsonl", "{}\n")
        try bench.scanAndRun()
        let refilled = try Self.finder(Self.utc).gaps(bench.inventory, track: Self.utc, date: "20260203")
        #expect(refilled.first?.deleted == [] && refilled.first?.missing == [13])
    }

    @Test func theTrackGapAlertCountsDeletedHoursAsGaps() throws {
        let bench = try AlertBench(AlertSettings(tracks: [Self.utc]))
        let data = bench.box.volume("ns", "data")
        Self.hourly(bench, data, Array(9...15))
        try bench.scanAndRun()
        #expect(unlink(data + "/scalp/20260203_12.jsonl") == 0)
        bench.now = AlertBench.tuesday10 + 6 * 3600  // 16:00: the window has ended
        let sent = try bench.scanAndRun(TrackRuleTests.clock).filter { $0.type == .trackGap }
        let r = try #require(sent.first?.record, "a window whose only gap is a deleted hour is not complete")
        #expect(sent.count == 1)
        #expect(r.subject == data + "#scalp#20260203" && r.number("COUNT") == 1)
        #expect(r.message == "PVC ns/data has no scalp file for 12:00 on 20260203 (12:00 deleted)")
    }

    @Test func kindKeepsALogFromFillingAJSONLHour() throws {
        let bench = try AlertBench()
        let data = bench.box.volume("ns", "data")
        Self.hourly(bench, data, [9, 11, 12, 13, 14, 15])
        Self.hourly(bench, data, [10], ext: "log")
        try bench.scanAndRun()
        let finder = Self.finder(Self.utc)
        let jsonl = try #require(
            try finder.day(bench.inventory, track: Self.utc, date: "20260203", now: bench.now, kind: "jsonl"))
        #expect(jsonl.gaps.map(\.missing) == [[10]])
        let any = try #require(try finder.day(bench.inventory, track: Self.utc, date: "20260203", now: bench.now))
        #expect(any.gaps.isEmpty, "without --kind a .log of the track fills its hour")
        let logs = try #require(
            try finder.day(bench.inventory, track: Self.utc, date: "20260203", now: bench.now, kind: "log"))
        #expect(logs.gaps.map(\.missing) == [[9, 11, 12, 13, 14, 15]])
    }

    @Test func aDayOutsideTheWindowSaysSoInsteadOfNoGaps() throws {
        let bench = try AlertBench()
        let data = bench.box.volume("ns", "data")
        Self.hourly(bench, data, [9])
        try bench.scanAndRun()
        let finder = Self.finder(Self.utc)
        let saturday = try #require(try finder.day(bench.inventory, track: Self.utc, date: "20260207", now: bench.now))
        #expect(saturday.outsideWindow)
        #expect(saturday.gaps.isEmpty)
        #expect(saturday.checked.map(\.path) == [data])
        let tuesday = try #require(try finder.day(bench.inventory, track: Self.utc, date: "20260203", now: bench.now))
        #expect(!tuesday.outsideWindow)
        #expect(try finder.day(bench.inventory, track: Self.utc, date: "20260231", now: bench.now) == nil)
    }

    @Test func withoutADateTheDayIsTheLastFinishedWindowInTheTracksZone() throws {
        let bench = try AlertBench()
        let data = bench.box.volume("ns", "data")
        Self.hourly(bench, data, [9, 10, 11, 12, 13, 14])
        try bench.scanAndRun()
        // Tuesday 2026-02-03 06:40 UTC is 15:40 in Seoul: Tuesday's window closed at 15:30 there,
        // while in UTC it has not opened yet.
        let now: Int64 = 1_770_100_800
        let seoul = try #require(
            try Self.finder(Self.seoul).day(bench.inventory, track: Self.seoul, date: nil, now: now))
        #expect(seoul.dateFromClock)
        #expect(seoul.date == "20260203")
        #expect(seoul.gaps.map(\.missing) == [[15]])
        let utc = try #require(try Self.finder(Self.utc).day(bench.inventory, track: Self.utc, date: nil, now: now))
        #expect(utc.date == "20260202")
        // Saturday 08:00 in Seoul (Friday 23:00 UTC): Friday's window.
        let saturday = try Self.finder(Self.seoul).day(
            bench.inventory, track: Self.seoul, date: nil, now: 1_770_418_800)
        #expect(saturday?.date == "20260206")
    }

    @Test func aPVCIsCheckedInItsCurrentDirectoryAndStrandedHoursAreNamed() throws {
        let bench = try AlertBench()
        let old = bench.box.volume("ns", "data", uid: "00000000-0000-4000-8000-000000000001")
        Self.hourly(bench, old, [9, 10, 11])
        sleepPastASecond()
        let new = bench.box.volume("ns", "data", uid: "00000000-0000-4000-8000-000000000002")
        Self.hourly(bench, new, [14, 15])
        let empty = bench.box.volume("ns", "fresh", uid: "00000000-0000-4000-8000-000000000003")
        try bench.scanAndRun()
        let states = Dictionary(uniqueKeysWithValues: try bench.inventory.volumes().map { ($0.path, $0.state) })
        #expect(states[old] == .stale && states[new] == .current && states[empty] == .current)

        let day = try #require(
            try Self.finder(Self.utc).day(bench.inventory, track: Self.utc, date: "20260203", now: bench.now))
        #expect(
            day.checked.map(\.path) == [new], "the stale directory is not checked; the PVC that never had any is not")
        let gap = try #require(day.gaps.first)
        #expect(gap.missing == [9, 10, 11, 12, 13])
        #expect(gap.staleOnly == [9, 10, 11])
        #expect(gap.stalePaths == [old])

        // A new directory with no file of its own is still checked when its PVC had hourly files.
        let bare = try AlertBench()
        let gone = bare.box.volume("ns", "data", uid: "00000000-0000-4000-8000-000000000001")
        Self.hourly(bare, gone, Array(9...15))
        sleepPastASecond()
        let fresh = bare.box.volume("ns", "data", uid: "00000000-0000-4000-8000-000000000002")
        try bare.scanAndRun()
        let recreated = try Self.finder(Self.utc).gaps(bare.inventory, track: Self.utc, date: "20260203")
        #expect(recreated.map(\.volume.path) == [fresh])
        #expect(recreated.first?.missing == Array(9...15) && recreated.first?.staleOnly == Array(9...15))

        // An explicit selection checks that directory, whatever its state.
        let id = try #require(try bench.inventory.volumes().first { $0.path == old }?.id)
        let chosen = try #require(
            try Self.finder(Self.utc).day(
                bench.inventory, track: Self.utc, date: "20260203", now: bench.now, select: .volumes([id])))
        #expect(chosen.gaps.map(\.missing) == [[12, 13, 14, 15]])
    }
}
