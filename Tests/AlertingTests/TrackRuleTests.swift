import Glibc
import Inventory
import TestSupport
import Testing

@testable import Alerting

/// track-stale and track-gap, with the clock fixed: Tuesday 2026-02-03, in UTC.
@Suite struct TrackRuleTests {
    static let market = ActiveWindow.marketHours
    static let stale = Track(name: "scalp", retention: 3 * 86400, active: market, staleAfter: 600)
    static let hourly = Track(name: "scalp", retention: 3 * 86400, active: market, hourly: true)

    static var clock: AlertCycle.Inputs {
        var inputs = AlertCycle.Inputs()
        inputs.clock = true
        return inputs
    }

    static func file(_ bench: AlertBench, _ path: String, mtime: Int64) throws {
        bench.box.write(path, "{}\n")
        try setModificationTime(path, seconds: Int(mtime))
    }

    @Test func aTrackThatStopsGrowingInsideItsWindowFiresWithItsAge() throws {
        let bench = try AlertBench(AlertSettings(tracks: [Self.stale]))
        let data = bench.box.volume("ns", "data")
        try Self.file(bench, data + "/scalp/20260203_09.jsonl", mtime: bench.now - 3600)
        let sent = try bench.scanAndRun(Self.clock)
        #expect(sent.map(\.type) == [.trackStale])
        let r = try #require(sent.first?.record)
        #expect(r.subject == data + "#scalp" && r.track == "scalp" && r.priority == 3)
        #expect(r.number("AGE_SECONDS") == 3600)

        try Self.file(bench, data + "/scalp/20260203_10.jsonl", mtime: bench.now)
        bench.now += 60
        #expect(try bench.scanAndRun(Self.clock).map(\.state) == [.resolved], "it grew again")
        #expect(try bench.firing(.trackStale).isEmpty)
    }

    @Test func aFreshTrackOrOneOutsideItsWindowIsNotStale() throws {
        let bench = try AlertBench(AlertSettings(tracks: [Self.stale]))
        let data = bench.box.volume("ns", "data")
        try Self.file(bench, data + "/scalp/20260203_09.jsonl", mtime: bench.now - 599)
        #expect(try bench.scanAndRun(Self.clock).isEmpty, "younger than stale_after")

        bench.now = AlertBench.tuesday10 + 6 * 3600 + 1800  // 16:30, after 15:30
        #expect(try bench.scanAndRun(Self.clock).isEmpty, "hours outside the window")
        bench.now = AlertBench.tuesday10 - 3600 + 300  // 09:05, less than stale_after into the window
        #expect(try bench.scanAndRun(Self.clock).isEmpty, "the window has just begun")
        bench.now = AlertBench.tuesday10 + 4 * 86400  // Saturday 10:00
        #expect(try bench.scanAndRun(Self.clock).isEmpty, "not an active day")
        #expect(try bench.stored(.trackStale).isEmpty)
    }

    @Test func aCycleWithoutTheClockDoesNotDecideStaleness() throws {
        let bench = try AlertBench(AlertSettings(tracks: [Self.stale]))
        let data = bench.box.volume("ns", "data")
        try Self.file(bench, data + "/scalp/20260203_09.jsonl", mtime: bench.now - 3600)
        #expect(try bench.scanAndRun().isEmpty)
        try bench.scanAndRun(Self.clock)
        #expect(try bench.scanAndRun().isEmpty, "not resolved by a cycle that did not look")
        #expect(try bench.firing(.trackStale).count == 1)
    }

    @Test func missingHoursOfAFinishedWindowAreOneGapPerVolumeAndDay() throws {
        let bench = try AlertBench(AlertSettings(tracks: [Self.hourly]))
        let data = bench.box.volume("ns", "data")
        for h in [9, 10, 13, 14, 15] {
            try Self.file(bench, data + "/scalp/20260203_\(h < 10 ? "0" : "")\(h).jsonl", mtime: bench.now)
        }
        bench.now = AlertBench.tuesday10 + 6 * 3600  // 16:00: the window has ended
        let sent = try bench.scanAndRun(Self.clock)
        #expect(sent.map(\.type) == [.trackGap])
        let r = try #require(sent.first?.record)
        #expect(r.subject == data + "#scalp#20260203" && r.number("COUNT") == 2 && r.priority == 4)
        #expect(r.message.contains("11:00, 12:00"))

        bench.now += 3600
        #expect(try bench.scanAndRun(Self.clock).isEmpty, "once per day")
        bench.now += 7 * 3600
        let quiet = try bench.scanAndRun(Self.clock)
        #expect(quiet.map(\.state) == [.resolved], "the event resolves after a quiet renotify, and does not fire again")
        #expect(try bench.stored(.trackGap).map(\.subject) == [data + "#scalp#20260203"])

        bench.now = AlertBench.tuesday10 + 86400 + 6 * 3600  // Wednesday 16:00, nothing written
        let next = try bench.scanAndRun(Self.clock)
        #expect(next.filter { $0.state == .firing }.map(\.record.subject) == [data + "#scalp#20260204"])
        #expect(next.first { $0.state == .firing }?.number("COUNT") == 7)
    }

    @Test func aHolidayOfTheTrackIsNeitherStaleNorAGap() throws {
        var track = Track(name: "scalp", active: Self.market, staleAfter: 600, hourly: true)
        track.holidays = [try #require(CivilCalendar.days(fromDate: "20260204"))]  // a Wednesday
        let bench = try AlertBench(AlertSettings(tracks: [track]))
        let data = bench.box.volume("ns", "data")
        for h in 9...15 {
            try Self.file(bench, data + "/scalp/20260203_\(h < 10 ? "0" : "")\(h).jsonl", mtime: bench.now)
        }
        bench.now = AlertBench.tuesday10 + 86400  // Wednesday 10:00, a holiday: nothing written
        #expect(try bench.scanAndRun(Self.clock).isEmpty, "no track-stale on a holiday")
        bench.now = AlertBench.tuesday10 + 86400 + 6 * 3600  // Wednesday 16:00
        #expect(try bench.scanAndRun(Self.clock).isEmpty, "no track-gap for a holiday")
        bench.now = AlertBench.tuesday10 + 2 * 86400 + 3600  // Thursday 11:00: an active day again
        #expect(try bench.scanAndRun(Self.clock).map(\.type) == [.trackStale])
        #expect(try bench.stored(.trackGap).isEmpty)
    }
}
