/// A POSIX TZ string such as `CET-1CEST,M3.5.0,M10.5.0/3`, the footer of a version 2+ TZif file
/// (RFC 8536 section 3.3): local time after the file's last transition.
package struct PosixTimeZone: Sendable, Equatable {
    /// The day of a yearly rule (POSIX.1-2017 section 8.3).
    package enum Day: Sendable, Equatable {
        /// `Jn`: 1...365, February 29 never counted.
        case julian(Int64)
        /// `n`: 0...365, February 29 counted in leap years.
        case zeroBased(Int64)
        /// `Mm.w.d`: weekday `d` (0 = Sunday) of week `w` (5 = the last) of month `m`.
        case month(Int64, week: Int64, weekday: Int64)
    }

    /// A switch: its day and local time of day in seconds (hours -167...167, RFC 8536 section 3.3.1).
    package struct Rule: Sendable, Equatable {
        package var day: Day
        package var time: Int64
    }

    /// Daylight saving time: its offset, the start (in standard time) and the end (in daylight time).
    package struct Daylight: Sendable, Equatable {
        package var offset: Int32
        package var start: Rule
        package var end: Rule
    }

    /// Seconds east of UTC (the string writes them west of it).
    package var standardOffset: Int32
    package var daylight: Daylight?

    package init(standardOffset: Int32, daylight: Daylight? = nil) {
        self.standardOffset = standardOffset
        self.daylight = daylight
    }

    /// Nil for anything but a whole, valid string; also for the empty footer, which leaves local
    /// time after the table unspecified (RFC 8536 section 3.3).
    package init?(_ text: some StringProtocol) {
        var parser = Parser(bytes: Array(text.utf8))
        guard let zone = parser.zone() else { return nil }
        self = zone
    }

    /// UTC offset in seconds at `utc` (seconds since the epoch).
    package func offset(at utc: Int64) -> Int32 {
        guard let daylight else { return standardOffset }
        // Far enough for any use, near enough that the arithmetic below cannot overflow.
        let t = min(max(utc, -(1 << 50)), 1 << 50)
        let year = Self.year(days: CivilCalendar.floorDiv(t + Int64(standardOffset), 86400))
        // The state after the latest switch at or before t. Rule times up to a week past midnight
        // move switches across year ends, hence the neighbouring years. At a tie the start wins:
        // `0/0,J365/25` is daylight time all year.
        var latest: (at: Int64, isDaylight: Bool)?
        for y in (year - 2)...(year + 1) {
            let start = Self.days(daylight.start.day, year: y) * 86400 + daylight.start.time - Int64(standardOffset)
            let end = Self.days(daylight.end.day, year: y) * 86400 + daylight.end.time - Int64(daylight.offset)
            for (at, isDaylight) in [(end, false), (start, true)] where at <= t {
                if let l = latest, at < l.at || (at == l.at && !isDaylight) { continue }
                latest = (at, isDaylight)
            }
        }
        return latest?.isDaylight == true ? daylight.offset : standardOffset
    }

    /// Days since 1970-01-01 of a rule's day in `year`.
    package static func days(_ day: Day, year: Int64) -> Int64 {
        let january1 = days(year: year, month: 1, day: 1)
        switch day {
        case .julian(let n):
            return january1 + n - 1 + (isLeap(year) && n >= 60 ? 1 : 0)
        case .zeroBased(let n):
            return january1 + n
        case .month(let m, let week, let weekday):
            let first = days(year: year, month: m, day: 1)
            let next = m == 12 ? days(year: year + 1, month: 1, day: 1) : days(year: year, month: m + 1, day: 1)
            var d = first + (weekday - Int64(CivilCalendar.weekday(days: first)) + 7) % 7 + (week - 1) * 7
            while d >= next { d -= 7 }
            return d
        }
    }

    package static func isLeap(_ y: Int64) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days-from-civil).
    package static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = CivilCalendar.floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        return era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
    }

    /// The proleptic Gregorian year of a day since 1970-01-01 (H. Hinnant's civil-from-days).
    package static func year(days: Int64) -> Int64 {
        let z = days + 719_468
        let era = CivilCalendar.floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        return yoe + era * 400 + (mp >= 10 ? 1 : 0)
    }
}

/// `std offset [dst [offset] [,start[/time],end[/time]]]` (POSIX.1-2017 section 8.3, RFC 8536 section 3.3.1).
private struct Parser {
    package let bytes: [UInt8]
    package var i = 0

    package init(bytes: [UInt8]) { self.bytes = bytes }

    package mutating func zone() -> PosixTimeZone? {
        guard name(), let std = time(maxHours: 24) else { return nil }
        guard i < bytes.count else { return PosixTimeZone(standardOffset: Int32(-std)) }
        guard name() else { return nil }
        var dst = std - 3600
        if i < bytes.count && bytes[i] != UInt8(ascii: ",") {
            guard let o = time(maxHours: 24) else { return nil }
            dst = o
        }
        // Without rules, the US rules POSIX implementations default to.
        var start = PosixTimeZone.Rule(day: .month(3, week: 2, weekday: 0), time: 7200)
        var end = PosixTimeZone.Rule(day: .month(11, week: 1, weekday: 0), time: 7200)
        if i < bytes.count {
            guard eat(","), let s = rule(), eat(","), let e = rule() else { return nil }
            start = s
            end = e
        }
        guard i == bytes.count else { return nil }
        return PosixTimeZone(
            standardOffset: Int32(-std), daylight: .init(offset: Int32(-dst), start: start, end: end))
    }

    /// Three or more letters, or `<...>` around three or more letters, digits, `+` and `-`.
    package mutating func name() -> Bool {
        let quoted = eat("<")
        let begin = i
        while i < bytes.count {
            let c = bytes[i] | 0x20
            let letter = c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")
            let other = digit(bytes[i]) || bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")
            guard letter || (quoted && other) else { break }
            i += 1
        }
        return i - begin >= 3 && (!quoted || eat(">"))
    }

    /// `[+-]hh[:mm[:ss]]` in seconds.
    package mutating func time(maxHours: Int64) -> Int64? {
        let sign: Int64 = eat("-") ? -1 : 1
        if sign == 1 { _ = eat("+") }
        guard let h = number(digits: 3), h <= maxHours else { return nil }
        var seconds = h * 3600
        if eat(":") {
            guard let m = number(digits: 2), m < 60 else { return nil }
            seconds += m * 60
            if eat(":") {
                guard let s = number(digits: 2), s < 60 else { return nil }
                seconds += s
            }
        }
        return sign * seconds
    }

    /// `Jn`, `n` or `Mm.w.d`, then `/time` (02:00 without it).
    package mutating func rule() -> PosixTimeZone.Rule? {
        let day: PosixTimeZone.Day
        if eat("J") {
            guard let n = number(digits: 3), (1...365).contains(n) else { return nil }
            day = .julian(n)
        } else if eat("M") {
            guard let m = number(digits: 2), (1...12).contains(m), eat("."), let w = number(digits: 1),
                (1...5).contains(w), eat("."), let d = number(digits: 1), d <= 6
            else { return nil }
            day = .month(m, week: w, weekday: d)
        } else {
            guard let n = number(digits: 3), n <= 365 else { return nil }
            day = .zeroBased(n)
        }
        var time: Int64 = 7200
        if eat("/") {
            guard let t = self.time(maxHours: 167) else { return nil }
            time = t
        }
        return .init(day: day, time: time)
    }

    /// One to `digits` decimal digits.
    package mutating func number(digits: Int) -> Int64? {
        var value: Int64 = 0
        let begin = i
        while i < bytes.count && i - begin < digits && digit(bytes[i]) {
            value = value * 10 + Int64(bytes[i] - UInt8(ascii: "0"))
            i += 1
        }
        return i > begin ? value : nil
    }

    package func digit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    package mutating func eat(_ c: Unicode.Scalar) -> Bool {
        guard i < bytes.count && bytes[i] == UInt8(ascii: c) else { return false }
        i += 1
        return true
    }
}
