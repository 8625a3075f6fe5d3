import Alerting

/// The days `query` asks about: `--date D`, `--date A..B`, `--since D`, `--until D` (inclusive).
struct QueryDates: Equatable {
    /// `--date D`: one day.
    var single: String?
    var since: String?
    var until: String?

    /// No date option was given.
    var isEmpty: Bool { single == nil && since == nil && until == nil }

    /// The longest range `--gaps` and `--summary` walk day by day.
    static let maximumDays: Int64 = 366

    /// Parsed and checked: every date a calendar date, a range not backwards, and `--date` not
    /// mixed with `--since`/`--until`. Each problem is a usage error (64) naming the option, one line.
    init(date: String?, since: String?, until: String?) throws(AgentError) {
        if date != nil && (since != nil || until != nil) {
            throw AgentError(
                .usage, "--date cannot be combined with --since or --until; use --date A..B or --since/--until")
        }
        let parts = date.map { $0.split(separator: ".", omittingEmptySubsequences: false) } ?? []
        if let date, parts.count == 3, parts[1].isEmpty {
            let a = String(parts[0])
            let b = String(parts[2])
            self.since = try Self.checked(a, option: "--date", whole: date)
            self.until = try Self.checked(b, option: "--date", whole: date)
        } else if let date {
            single = try Self.checked(date, option: "--date", whole: date)
        } else {
            self.since = try since.map { d throws(AgentError) in try Self.checked(d, option: "--since", whole: d) }
            self.until = try until.map { d throws(AgentError) in try Self.checked(d, option: "--until", whole: d) }
        }
        if let a = self.since, let b = self.until, a > b {
            throw AgentError(.usage, "the range \(a)..\(b) ends before it starts; give the earlier date first")
        }
    }

    private static func checked(_ d: String, option: String, whole: String) throws(AgentError) -> String {
        let shown = QueryCommand.shown(whole)
        guard d.count == 8, d.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            let form = option == "--date" ? "YYYYMMDD or YYYYMMDD..YYYYMMDD" : "YYYYMMDD"
            throw AgentError(.usage, "\(option) \(shown): use \(form), e.g. 20260203")
        }
        guard CivilCalendar.days(fromDate: d).map(CivilCalendar.date(days:)) == d else {
            throw AgentError(.usage, "\(option) \(shown): \(d) is not a calendar date")
        }
        return d
    }

    /// Every date from `since` through `until` (YYYYMMDD), or nil when the range holds more than
    /// `maximumDays`.
    static func days(from since: String, through until: String) -> [String]? {
        guard let a = CivilCalendar.days(fromDate: since), let b = CivilCalendar.days(fromDate: until) else {
            return []
        }
        guard b - a < maximumDays else { return nil }
        return a <= b ? (a...b).map(CivilCalendar.date(days:)) : []
    }
}
