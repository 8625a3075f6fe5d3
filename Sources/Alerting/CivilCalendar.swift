/// Civil-date arithmetic on days since 1970-01-01 (proleptic Gregorian, H. Hinnant's algorithms).
package enum CivilCalendar {
    package static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// 0 = Sunday.
    package static func weekday(days: Int64) -> Int { Int(((days % 7) + 11) % 7) }

    package static func date(days z0: Int64) -> String {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ w: Int) -> String {
            String(repeating: "0", count: max(0, w - String(v).count)) + String(v)
        }
        return pad(y, 4) + pad(m, 2) + pad(d, 2)
    }

    package static func days(fromDate s: String) -> Int64? {
        guard s.count == 8, let v = Int64(s) else { return nil }
        var y = v / 10000
        let m = (v / 100) % 100
        let d = v % 100
        guard (1...12).contains(m), (1...31).contains(d) else { return nil }
        y -= m <= 2 ? 1 : 0
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The hours a window touches: 09:00-15:30 is 9 through 15.
    package static func hours(_ w: ActiveWindow) -> [Int] {
        Array((w.startMinute / 60)...((w.endMinute - 1) / 60))
    }
}
