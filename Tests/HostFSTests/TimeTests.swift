import HostFS
import Testing

@Suite struct TimeTests {
    @Test func rfc3339OfTheEpoch() {
        #expect(SystemClock.rfc3339(ns: 0) == "1970-01-01T00:00:00Z")
    }

    @Test func rfc3339OfKnownInstants() {
        #expect(SystemClock.rfc3339(ns: 1_770_076_800 * 1_000_000_000) == "2026-02-03T00:00:00Z")
        // 2026-02-03 09:00 in Seoul is midnight UTC; 15:30 KST is 06:30 UTC.
        #expect(SystemClock.rfc3339(ns: (1_770_076_800 + 6 * 3600 + 30 * 60) * 1_000_000_000) == "2026-02-03T06:30:00Z")
        // A leap day and the last second of a year.
        #expect(SystemClock.rfc3339(ns: 1_709_210_096 * 1_000_000_000) == "2024-02-29T12:34:56Z")
        #expect(SystemClock.rfc3339(ns: 1_767_225_599 * 1_000_000_000) == "2025-12-31T23:59:59Z")
    }

    @Test func rfc3339TruncatesToTheSecond() {
        #expect(SystemClock.rfc3339(ns: 999_999_999) == "1970-01-01T00:00:00Z")
        #expect(SystemClock.rfc3339(ns: 1_770_076_800 * 1_000_000_000 + 999_999_999) == "2026-02-03T00:00:00Z")
    }

    @Test func rfc3339OfNegativeValuesRoundsDownToTheEarlierSecond() {
        #expect(SystemClock.rfc3339(ns: -1) == "1969-12-31T23:59:59Z")
        #expect(SystemClock.rfc3339(ns: -1_000_000_000) == "1969-12-31T23:59:59Z")
        #expect(SystemClock.rfc3339(ns: -1_000_000_001) == "1969-12-31T23:59:58Z")
        #expect(SystemClock.rfc3339(ns: -86_400 * 1_000_000_000) == "1969-12-31T00:00:00Z")
    }

    @Test func nowIsPlausibleAndMonotonicAdvances() {
        let now = SystemClock.nowNs()
        #expect(now > 1_735_689_600 * 1_000_000_000)  // after 2025-01-01
        let a = SystemClock.monotonicNs()
        let b = SystemClock.monotonicNs()
        #expect(b >= a)
        #expect(SystemClock.rfc3339(ns: now).hasSuffix("Z"))
        #expect(SystemClock.rfc3339(ns: now).count == 20)
    }

    @Test func localTimeHasTheTableFormat() {
        let text = SystemClock.local(ns: 1_770_076_800 * 1_000_000_000)
        let chars = Array(text)
        #expect(chars.count == 19)
        #expect(chars[4] == "-" && chars[7] == "-" && chars[10] == " " && chars[13] == ":" && chars[16] == ":")
        #expect(text.hasPrefix("2026-02-0"))
    }
}
