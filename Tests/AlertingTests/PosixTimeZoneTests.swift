import Testing

@testable import Alerting

/// POSIX TZ strings (RFC 8536 section 3.3) on their own: forms, extensions and rejects.
@Suite struct PosixTimeZoneTests {
    @Test func fixedOffsetsReadWestAsNegative() {
        #expect(PosixTimeZone("KST-9") == PosixTimeZone(standardOffset: 32400))
        #expect(PosixTimeZone("<+09>-9") == PosixTimeZone(standardOffset: 32400))
        #expect(PosixTimeZone("<-03>3") == PosixTimeZone(standardOffset: -10800))
        #expect(PosixTimeZone("<+0330>-3:30") == PosixTimeZone(standardOffset: 12600))
        #expect(PosixTimeZone("UTC0")?.offset(at: instant(2050, 7, 1)) == 0)
    }

    @Test func daylightWithoutRulesTakesTheUSRulesAndAnHourMore() throws {
        let zone = try #require(PosixTimeZone("EST5EDT"))
        #expect(zone == PosixTimeZone("EST5EDT4,M3.2.0/2,M11.1.0/02:00:00"))
        #expect(zone.offset(at: instant(2041, 3, 10, 7) - 1) == -18000)  // 2041-03-10 is the 2nd Sunday
        #expect(zone.offset(at: instant(2041, 3, 10, 7)) == -14400)
    }

    @Test func julianDaysSkipFebruary29AndZeroBasedDaysCountIt() throws {
        let julian = try #require(PosixTimeZone("AAA0BBB,J60/0,J300/0"))
        let zeroBased = try #require(PosixTimeZone("AAA0BBB,59/0,299/0"))
        // 2040 is a leap year: J60 is March 1, zero-based 59 is February 29.
        #expect(julian.offset(at: instant(2040, 3, 1) - 1) == 0 && julian.offset(at: instant(2040, 3, 1)) == 3600)
        #expect(zeroBased.offset(at: instant(2040, 2, 29) - 1) == 0)
        #expect(zeroBased.offset(at: instant(2040, 2, 29)) == 3600)
        // 2041 is not: both are March 1.
        #expect(julian.offset(at: instant(2041, 3, 1)) == 3600 && zeroBased.offset(at: instant(2041, 3, 1)) == 3600)
        #expect(julian.offset(at: instant(2041, 3, 1) - 1) == 0 && zeroBased.offset(at: instant(2041, 3, 1) - 1) == 0)
        // J300 is October 27 in every year; zero-based 299 is October 26 in leap years.
        #expect(julian.offset(at: instant(2040, 10, 27) - 3600 - 1) == 3600)
        #expect(julian.offset(at: instant(2040, 10, 27) - 3600) == 0)
        #expect(zeroBased.offset(at: instant(2040, 10, 26) - 3600) == 0)
    }

    @Test func ruleHoursReachMinus167Through167AndCrossTheYearEnd() throws {
        // Nuuk: daylight time from Saturday 23:00 local (-1:00 on the last Sunday of March), 01:00 UTC.
        let nuuk = try #require(PosixTimeZone("<-02>2<-01>,M3.5.0/-1,M10.5.0/0"))
        let sunday = nthWeekday(2050, 3, 0, 5)
        #expect(nuuk.offset(at: instant(2050, 3, sunday, 1) - 1) == -7200)
        #expect(nuuk.offset(at: instant(2050, 3, sunday, 1)) == -3600)
        // Daylight time from 120 hours after December 31 to January 10.
        let spill = try #require(PosixTimeZone("AAA0BBB,J365/120,J10/0"))
        #expect(spill.offset(at: instant(2041, 1, 5) - 1) == 0 && spill.offset(at: instant(2041, 1, 5)) == 3600)
        #expect(spill.offset(at: instant(2041, 1, 7)) == 3600 && spill.offset(at: instant(2041, 1, 9, 23)) == 0)
        #expect(spill.offset(at: instant(2040, 12, 31)) == 0)
        let week = try #require(PosixTimeZone("AAA0BBB,M3.1.0/-167,M10.1.0/167"))
        #expect(week.daylight?.start.time == -167 * 3600 && week.daylight?.end.time == 167 * 3600)
    }

    @Test func allYearDaylightTimeHoldsAcrossTheYearEnd() throws {
        let zone = try #require(PosixTimeZone("EST5EDT,0/0,J365/25"))
        for t in [instant(2040, 1, 1, 5), instant(2040, 1, 1, 5) - 1, instant(2040, 7, 1), instant(2099, 12, 31, 23)] {
            #expect(zone.offset(at: t) == -14400)
        }
    }

    @Test func southernAndNegativeDaylightRulesWrapTheYear() throws {
        let dublin = try #require(PosixTimeZone("IST-1GMT0,M10.5.0,M3.5.0/1"))
        #expect(dublin.offset(at: instant(2060, 1, 15)) == 0 && dublin.offset(at: instant(2060, 7, 15)) == 3600)
        let sydney = try #require(PosixTimeZone("AEST-10AEDT,M10.1.0,M4.1.0/3"))
        #expect(sydney.offset(at: instant(2060, 1, 15)) == 39600 && sydney.offset(at: instant(2060, 7, 15)) == 36000)
    }

    @Test(arguments: [
        "", "garbage", "CE-1", "CET", "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0/3", "CET-1CEST,M3.6.0,M10.5.0",
        "CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,J0,J365", "CET-1CEST,366,0", "CET-1CEST,M3.5.0/168,M10.5.0",
        "CET-25", "CET-1:60", "<+0>-9", "<+09-9", "CET-1CEST,M3.5.0,M10.5.0/3 ", "CET-1CEST,M3.5.0,M10.5.0/3,",
        "CÉT-1", "CET-1CEST,M3.5.0,M10.5.0/", "CET-1CEST,M3.5.0,J3650", "CET-1CE",
    ])
    func malformedStringsAreRejected(_ text: String) {
        #expect(PosixTimeZone(text) == nil)
    }

    @Test func extremeInstantsDoNotTrap() throws {
        let zone = try #require(PosixTimeZone("CET-1CEST,M3.5.0,M10.5.0/3"))
        for t: Int64 in [.min, .max, -(1 << 50) - 1, (1 << 50) + 1] {
            #expect([3600, 7200].contains(zone.offset(at: t)))
        }
    }
}
