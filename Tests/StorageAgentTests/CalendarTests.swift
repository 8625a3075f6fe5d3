import Testing

@testable import Alerting
@testable import StorageAgent

@Suite struct CalendarTests {
    @Test func civilDatesRoundTrip() {
        #expect(CivilCalendar.date(days: 0) == "19700101")
        #expect(CivilCalendar.days(fromDate: "20260203") == 20487)
        #expect(CivilCalendar.date(days: 20487) == "20260203")
        #expect(CivilCalendar.date(days: CivilCalendar.days(fromDate: "20240229")!) == "20240229")
        #expect(CivilCalendar.weekday(days: CivilCalendar.days(fromDate: "20260203")!) == 2)  // a Tuesday
        #expect(CivilCalendar.weekday(days: -1) == 3)  // 1969-12-31, a Wednesday
    }

    @Test func marketHoursTouchNineThroughFifteen() {
        #expect(CivilCalendar.hours(ActiveWindow.marketHours) == [9, 10, 11, 12, 13, 14, 15])
        #expect(CivilCalendar.hours(ActiveWindow.parse("Mon-Fri 09:00-15:00")!) == [9, 10, 11, 12, 13, 14])
    }

    @Test func seoulIsNineHoursAheadFromTheSystemZoneFile() throws {
        let seoul = try #require(ZoneInfo.load("Asia/Seoul"))
        #expect(seoul.offset(at: 1_770_076_800) == 32400)  // 2026-02-03T00:00:00Z
        let local = seoul.local(1_770_076_800)
        #expect(local.weekday == 2 && local.minute == 540)  // Tuesday 09:00 KST
        // Zones with daylight saving switch offsets at their transitions.
        let berlin = try #require(ZoneInfo.load("Europe/Berlin"))
        #expect(berlin.offset(at: 1_770_076_800) == 3600)
        #expect(berlin.offset(at: 1_782_000_000) == 7200)  // June 2026
    }

    @Test func lastFinishedWindowIsTodayAfterTheCloseElseThePreviousActiveDay() {
        let gaps = Config().gaps
        let scalp = Config().track("scalp")!
        // Tuesday 2026-02-03 16:00 KST = 07:00 UTC: today's window has closed.
        #expect(gaps.lastFinishedDate(scalp, now: 1_770_102_000) == "20260203")
        // Tuesday 10:00 KST: still open, so Monday's.
        #expect(gaps.lastFinishedDate(scalp, now: 1_770_080_400) == "20260202")
        // Monday 08:00 KST: Friday's.
        #expect(gaps.lastFinishedDate(scalp, now: 1_769_986_800) == "20260130")
    }
}
