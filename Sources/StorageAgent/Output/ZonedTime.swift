import Alerting
import HostFS

/// A time zone as tables show it: its name for the header, and wall-clock times in it.
struct ShownZone: Sendable {
    enum Rules: Sendable {
        case utc
        /// The node's own zone, as localtime_r(3) sees it (TZ, else /etc/localtime).
        case node
        case file(ZoneInfo)
    }

    var name: String
    var rules: Rules

    static let utc = ShownZone(name: "UTC", rules: .utc)
    static var node: ShownZone { ShownZone(name: SystemClock.localZoneName(), rules: .node) }

    /// An IANA zone by name; UTC (and named so) when its file cannot be read.
    static func named(_ name: String) -> ShownZone {
        ZoneInfo.load(name).map { ShownZone(name: name, rules: .file($0)) } ?? .utc
    }

    /// Seconds east of UTC at `ns`.
    func offset(ns: Int64) -> Int64 {
        switch rules {
        case .utc: return 0
        case .node: return Int64(SystemClock.localOffset(ns: ns))
        case .file(let info): return Int64(info.offset(at: CivilCalendar.floorDiv(ns, 1_000_000_000)))
        }
    }

    /// `2026-02-03 09:00:00`, wall-clock time in this zone.
    func time(ns: Int64) -> String {
        let local = CivilCalendar.floorDiv(ns, 1_000_000_000) + offset(ns: ns)
        let days = CivilCalendar.floorDiv(local, 86400)
        let d = Array(CivilCalendar.date(days: days))
        let s = local - days * 86400
        return String(d[0..<4]) + "-" + String(d[4..<6]) + "-" + String(d[6..<8]) + " " + Self.two(s / 3600) + ":"
            + Self.two(s / 60 % 60) + ":" + Self.two(s % 60)
    }

    /// `YYYYMMDD` of `ns` in this zone.
    func date(ns: Int64) -> String {
        CivilCalendar.date(
            days: CivilCalendar.floorDiv(CivilCalendar.floorDiv(ns, 1_000_000_000) + offset(ns: ns), 86400))
    }

    private static func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : String(v) }
}

/// The zone each row's times are shown in: its track's `timezone` when the row has a track that
/// names one, else the node's; everything in UTC with `--utc`.
struct RowZones: Sendable {
    var node: ShownZone
    var tracks: [String: ShownZone] = [:]
    var utc = false

    init(tracks: [Track], utc: Bool) {
        self.utc = utc
        node = utc ? .utc : .node
        guard !utc else { return }
        for t in tracks { if let name = t.timezone { self.tracks[t.name] = .named(name) } }
    }

    func zone(track: String?) -> ShownZone { track.flatMap { tracks[$0] } ?? node }

    /// The header of a time column: `MODIFIED (Asia/Seoul)` when every row is in one zone (the
    /// node's when there is no row); nil when rows differ, and a ZONE column names each row's.
    func header(_ title: String, tracks rowTracks: [String?]) -> String? {
        let names = Set(rowTracks.map { zone(track: $0).name })
        guard names.count <= 1 else { return nil }
        return "\(title) (\(names.first ?? node.name))"
    }
}
