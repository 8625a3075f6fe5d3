import Foundation
import HostFS
import Testing

@testable import Alerting

/// UTC offsets from system zone files, from slim files zic makes here, and from their POSIX TZ
/// footers (RFC 8536 section 3.3). Expected instants are counted day by day, not by the code under test.
@Suite struct ZoneInfoTests {
    @Test(arguments: DaylightRules.allCases)
    func systemZonesSwitchAtTheRuleInstantsEveryYear(_ rules: DaylightRules) throws {
        let zone = try #require(ZoneInfo.load(rules.systemName))
        rules.expectSwitches(zone)
    }

    @Test func systemZonesKeepTheirOffsetsIn2040And2099() throws {
        let newYork = try #require(ZoneInfo.load("America/New_York"))
        let berlin = try #require(ZoneInfo.load("Europe/Berlin"))
        let sydney = try #require(ZoneInfo.load("Australia/Sydney"))
        let seoul = try #require(ZoneInfo.load("Asia/Seoul"))
        let utc = try #require(ZoneInfo.load("UTC"))
        for year in [2040, 2099] {
            let january = instant(year, 1, 15, 12)
            let july = instant(year, 7, 15, 12)
            #expect(newYork.offset(at: january) == -18000 && newYork.offset(at: july) == -14400)
            #expect(berlin.offset(at: january) == 3600 && berlin.offset(at: july) == 7200)
            #expect(sydney.offset(at: january) == 39600 && sydney.offset(at: july) == 36000)
        }
        for year in 2000...2099 {
            for month in [1, 4, 7, 10] {
                #expect(seoul.offset(at: instant(year, month, 1)) == 32400)
                #expect(utc.offset(at: instant(year, month, 1)) == 0)
            }
        }
    }

    @Test(arguments: DaylightRules.allCases)
    func slimFilesSwitchAtTheRuleInstantsEveryYear(_ rules: DaylightRules) throws {
        let slim = try #require(try Zic.slim(rules.source)["Test/Zone"])
        #expect(slim.footer != nil)
        // The table stops early (zic's slim output), so the footer decides most years.
        #expect((slim.transitions.last ?? 0) < instant(2010, 1, 1))
        rules.expectSwitches(slim)
    }

    @Test(arguments: DaylightRules.allCases)
    func slimAndFatFilesAgreeEverySixHoursFrom2000Through2099(_ rules: DaylightRules) throws {
        let slim = try #require(try Zic.slim(rules.source)["Test/Zone"])
        let fat = try #require(ZoneInfo.load(rules.systemName))
        let first = instant(rules.years.lowerBound, 1, 1)
        for t in stride(from: first, to: instant(2100, 1, 1), by: 6 * 3600) {
            guard slim.offset(at: t) == fat.offset(at: t) else {
                Issue.record("\(rules.systemName) differs at \(t): \(slim.offset(at: t)) vs \(fat.offset(at: t))")
                return
            }
        }
    }

    @Test func slimFixedOffsetZonesUseTheFooterForEveryInstant() throws {
        let zones = try Zic.slim("Zone Test/KST 9:00 - KST\nZone Test/Plus9 9:00 - +09\n")
        let kst = try #require(zones["Test/KST"])
        let plus9 = try #require(zones["Test/Plus9"])
        #expect(kst.footer == PosixTimeZone("KST-9") && plus9.footer == PosixTimeZone("<+09>-9"))
        #expect(kst.transitions.isEmpty && plus9.transitions.isEmpty)
        for t in [instant(1900, 1, 1), instant(2000, 1, 1), instant(2040, 7, 1), instant(2099, 12, 31)] {
            #expect(kst.offset(at: t) == 32400 && plus9.offset(at: t) == 32400)
        }
    }

    /// With the table cut at 2024, the footer alone must reproduce zic's table through 2037.
    @Test(arguments: [
        "America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Jerusalem", "America/Nuuk",
        "Europe/Dublin", "America/Santiago", "America/Havana", "Asia/Tehran", "Pacific/Chatham",
    ])
    func footersMatchTheSystemTablesTheyContinue(_ name: String) throws {
        let full = try #require(ZoneInfo.load(name))
        try #require(full.footer != nil, "\(name) has no POSIX TZ footer")
        let cut = instant(2024, 1, 1)
        var footerOnly = full
        footerOnly.transitions = full.transitions.filter { $0 < cut }
        footerOnly.offsets = Array(full.offsets.prefix(footerOnly.transitions.count))
        for t in stride(from: cut, to: instant(2038, 1, 1), by: 3600)
        where full.offset(at: t) != footerOnly.offset(at: t) {
            Issue.record("\(name) at \(t): table \(full.offset(at: t)), footer \(footerOnly.offset(at: t))")
            return
        }
    }

    @Test func badFootersFallBackToTheTable() throws {
        let good = try readFile("/usr/share/zoneinfo/Europe/Berlin").get()
        let zone = try #require(ZoneInfo.parse(good))
        let opening = try #require(good.dropLast().lastIndex(of: 0x0A))
        let table = Array(good[...opening])
        let lastTable = try #require(zone.offsets.last)
        let variants: [[UInt8]] = [
            table + Array("garbage\n".utf8), table + Array("CET-1CEST,M3.5.0\n".utf8), table + [0x0A],
            table + Array("CET-1CEST,M3.5.0,M10.5.0/3".utf8), Array(good.dropLast(8)), Array(good[..<opening]),
            table.dropLast() + Array("XCET-1CEST,M3.5.0,M10.5.0/3\n".utf8), table + [0xFF, 0xFE, 0x0A],
        ]
        for bytes in variants {
            let parsed = try #require(ZoneInfo.parse(bytes))
            #expect(parsed.footer == nil && parsed.transitions == zone.transitions)
            #expect(parsed.offset(at: instant(2040, 7, 1)) == lastTable)
            #expect(parsed.offset(at: instant(2030, 7, 1)) == 7200)
        }
        // Any prefix, and any byte of the footer replaced, parses or fails without crashing.
        for length in 0..<good.count { _ = ZoneInfo.parse(Array(good[..<length]))?.offset(at: instant(2050, 1, 1)) }
        for i in opening..<good.count {
            for value: UInt8 in [0x00, 0x0A, 0x2C, 0x2D, 0x2F, 0x39, 0x3C, 0x4A, 0x4D, 0xFF] {
                var bytes = good
                bytes[i] = value
                _ = ZoneInfo.parse(bytes)?.offset(at: instant(2050, 7, 1))
            }
        }
    }
}

/// Yearly daylight saving rules with their system zone and an equivalent zic source.
enum DaylightRules: String, CaseIterable, Sendable {
    case newYork, berlin, sydney

    var systemName: String {
        switch self {
        case .newYork: "America/New_York"
        case .berlin: "Europe/Berlin"
        case .sydney: "Australia/Sydney"
        }
    }

    /// Sydney's rules changed until 2008 (the source holds the 2007 start, for January 2008).
    var years: ClosedRange<Int> { self == .sydney ? 2008...2099 : 2000...2099 }

    var offsets: (standard: Int32, daylight: Int32) {
        switch self {
        case .newYork: (-18000, -14400)
        case .berlin: (3600, 7200)
        case .sydney: (36000, 39600)
        }
    }

    var source: String {
        switch self {
        case .newYork:
            """
            Rule US 1967 2006 - Oct lastSun 2:00 0 S
            Rule US 1987 2006 - Apr Sun>=1 2:00 1:00 D
            Rule US 2007 max - Mar Sun>=8 2:00 1:00 D
            Rule US 2007 max - Nov Sun>=1 2:00 0 S
            Zone Test/Zone -5:00 US E%sT
            """
        case .berlin:
            """
            Rule EU 1981 max - Mar lastSun 1:00u 1:00 S
            Rule EU 1981 1995 - Sep lastSun 1:00u 0 -
            Rule EU 1996 max - Oct lastSun 1:00u 0 -
            Zone Test/Zone 1:00 EU CE%sT
            """
        case .sydney:
            """
            Rule AN 2001 2007 - Oct lastSun 2:00s 1:00 D
            Rule AN 2008 max - Apr Sun>=1 2:00s 0 S
            Rule AN 2008 max - Oct Sun>=1 2:00s 1:00 D
            Zone Test/Zone 10:00 AN AE%sT
            """
        }
    }

    /// UTC instants at which daylight time starts and ends in `year`.
    func switches(_ year: Int) -> (start: Int64, end: Int64) {
        switch self {
        case .newYork where year >= 2007:  // 02:00 local standard time, 02:00 local daylight time
            (instant(year, 3, nthWeekday(year, 3, 0, 2), 7), instant(year, 11, nthWeekday(year, 11, 0, 1), 6))
        case .newYork:
            (instant(year, 4, nthWeekday(year, 4, 0, 1), 7), instant(year, 10, nthWeekday(year, 10, 0, 5), 6))
        case .berlin:  // 01:00 UTC
            (instant(year, 3, nthWeekday(year, 3, 0, 5), 1), instant(year, 10, nthWeekday(year, 10, 0, 5), 1))
        case .sydney:  // 02:00 local standard time on Sundays, 16:00 UTC on Saturdays
            (
                instant(year, 10, nthWeekday(year, 10, 0, 1), 16) - 86400,
                instant(year, 4, nthWeekday(year, 4, 0, 1), 16) - 86400
            )
        }
    }

    /// Offsets a second and an hour either side of each switch, and a month after it.
    func expectSwitches(_ zone: ZoneInfo) {
        for year in years {
            let (start, end) = switches(year)
            let (standard, daylight) = offsets
            for (at, before, after) in [(start, standard, daylight), (end, daylight, standard)] {
                let seen = [-3600, -1, 0, 3600, 30 * 86400].map { zone.offset(at: at + Int64($0)) }
                #expect(seen == [before, before, after, after, after], "\(systemName) \(year) at \(at)")
            }
        }
    }
}

/// Slim zone files (`zic -b slim`, zic's default since 2020b) compiled from a source written here.
enum Zic {
    static let path = "/usr/sbin/zic"

    static func slim(_ source: String) throws -> [String: ZoneInfo] {
        try #require(
            FileManager.default.isExecutableFile(atPath: path),
            "zic is missing at \(path) (Debian package libc-bin); the slim TZif tests need it")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("zones.zi")
        try Data((source + "\n").utf8).write(to: file)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = ["-b", "slim", "-d", dir.appendingPathComponent("out").path, file.path]
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try #require(p.terminationStatus == 0, "zic failed: \(message)")
        var zones: [String: ZoneInfo] = [:]
        for line in source.split(separator: "\n") where line.hasPrefix("Zone ") {
            let name = String(line.split(separator: " ")[1])
            let bytes = try #require(FileManager.default.contents(atPath: dir.path + "/out/" + name))
            let zone = try #require(ZoneInfo.parse(Array(bytes)), "\(name): not TZif")
            zones[name] = zone
        }
        return zones
    }
}
