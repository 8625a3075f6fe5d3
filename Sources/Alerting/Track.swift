/// One `tracks:` entry.
package struct Track: Sendable, Equatable {
    package var name: String
    /// Seconds after which the application deletes files itself.
    package var retention: Int64?
    package var active: ActiveWindow?
    package var timezone: String?
    package var staleAfter: Int64?
    package var hourly = false
    /// Local dates (days since 1970-01-01) the window skips though their weekday is in it.
    package var holidays: Set<Int64> = []

    package init(
        name: String, retention: Int64? = nil, active: ActiveWindow? = nil, timezone: String? = nil,
        staleAfter: Int64? = nil, hourly: Bool = false
    ) {
        self.name = name
        self.retention = retention
        self.active = active
        self.timezone = timezone
        self.staleAfter = staleAfter
        self.hourly = hourly
    }

    /// Whether the window covers the local date `day` (days since 1970-01-01): its weekday is one
    /// of the window's and it is not one of the track's holidays. False without a window.
    package func isActive(day: Int64) -> Bool {
        guard let active else { return false }
        return active.days.contains(CivilCalendar.weekday(days: day)) && !holidays.contains(day)
    }

    /// Whether a local time (`TimeZoneInfo.local`) is inside the window on an active day.
    package func isActive(at local: (day: Int64, weekday: Int, minute: Int)) -> Bool {
        guard let active, !holidays.contains(local.day) else { return false }
        return active.contains(weekday: local.weekday, minute: local.minute)
    }

    package static let defaults: [Track] = [
        Track(
            name: "scalp", retention: 3 * 86400, active: .marketHours, timezone: "Asia/Seoul", staleAfter: 600,
            hourly: true),
        Track(name: "swing", retention: 7 * 86400, active: .marketHours, timezone: "Asia/Seoul", staleAfter: 3600),
        Track(name: "system", retention: 30 * 86400),
        Track(name: "maintenance"),
    ]
}

/// `Mon-Fri 09:00-15:30`: the days (0 = Sunday) and minutes of the day a track is written.
package struct ActiveWindow: Sendable, Equatable {
    package var days: Set<Int>
    package var startMinute: Int
    package var endMinute: Int
    package var text: String

    package init(days: Set<Int>, startMinute: Int, endMinute: Int, text: String) {
        self.days = days
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.text = text
    }

    package static let marketHours = ActiveWindow(
        days: [1, 2, 3, 4, 5], startMinute: 540, endMinute: 930, text: "Mon-Fri 09:00-15:30")

    /// Whether a local weekday (0 = Sunday) and minute of the day fall inside the window.
    package func contains(weekday: Int, minute: Int) -> Bool {
        days.contains(weekday) && minute >= startMinute && minute < endMinute
    }
}
