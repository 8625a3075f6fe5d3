/// Civil-time helpers for the zone tests, counted day by day rather than by the code under test.

/// Seconds since the epoch of a UTC civil time, counted year by year and month by month.
func instant(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0) -> Int64 {
    var days = 0
    if year >= 1970 {
        for y in 1970..<year { days += isLeapYear(y) ? 366 : 365 }
    } else {
        for y in year..<1970 { days -= isLeapYear(y) ? 366 : 365 }
    }
    for m in 1..<month { days += monthLength(year, m) }
    return Int64((days + day - 1) * 86400 + hour * 3600)
}

func isLeapYear(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

func monthLength(_ year: Int, _ month: Int) -> Int {
    month == 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].contains(month) ? 30 : 31
}

/// Day of the month of the `n`th `weekday` (0 = Sunday; 5 = the last).
func nthWeekday(_ year: Int, _ month: Int, _ weekday: Int, _ n: Int) -> Int {
    let first = Int(instant(year, month, 1) / 86400)
    let firstWeekday = ((first + 4) % 7 + 7) % 7  // 1970-01-01 was a Thursday
    var day = 1 + (weekday - firstWeekday + 7) % 7 + (n - 1) * 7
    while day > monthLength(year, month) { day -= 7 }
    return day
}
