import Alerting
import HostFS

/// `tracks:`: each entry starts from its built-in settings (a listed default track) or none.
extension ConfigReader {
    func readTracks(_ node: YAMLNode, into c: inout Config) throws(ConfigError) {
        guard case .mapping(let list, _) = node else {
            if node.isNull { return }
            throw fail(node, "tracks must be a mapping of track names")
        }
        for entry in list { each { () throws(ConfigError) in try readTrack(entry, into: &c) } }
    }

    private func readTrack(_ entry: (key: String, line: Int, value: YAMLNode), into c: inout Config) throws(ConfigError)
    {
        do {
            guard !entry.key.isEmpty, entry.key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
            else {
                throw fail(entry.line, "tracks: '\(entry.key)' is not a valid track name (letters, digits, '-')")
            }
            // A listed track starts from its built-in settings, so `scalp: {retention: 5d}` changes one thing.
            var track = Track.defaults.first { $0.name == entry.key } ?? Track(name: entry.key)
            let keys = ["retention", "active", "timezone", "stale_after", "hourly", "holidays"]
            for k in try entries(entry.value, "tracks.\(entry.key)", allowed: keys) {
                each { () throws(ConfigError) in
                    let key = "tracks.\(entry.key).\(k.key)"
                    switch k.key {
                    case "retention": track.retention = k.value.isNull ? nil : try duration(k.value, key)
                    case "stale_after": track.staleAfter = k.value.isNull ? nil : try duration(k.value, key)
                    case "hourly": track.hourly = try bool(k.value, key)
                    case "holidays": track.holidays = k.value.isNull ? [] : try holidays(k.value, key)
                    case "timezone":
                        let tz = try string(k.value, key)
                        guard TimeZoneFile.exists(tz) else {
                            throw fail(k.value, "\(key): unknown time zone '\(tz)' (no /usr/share/zoneinfo/\(tz))")
                        }
                        track.timezone = tz
                    default:
                        if k.value.isNull {
                            track.active = nil
                        } else {
                            let s = try string(k.value, key)
                            guard let w = ActiveWindow.parse(s) else {
                                throw fail(k.value, "\(key): bad window '\(s)'; use e.g. \"Mon-Fri 09:00-15:30\"")
                            }
                            track.active = w
                        }
                    }
                }
            }
            if let i = c.tracks.firstIndex(where: { $0.name == entry.key }) {
                c.tracks[i] = track
            } else {
                c.tracks.append(track)
            }
        }
    }

    /// `holidays: [20261225, 20270101]`: local dates in the track's zone that its window skips.
    private func holidays(_ node: YAMLNode, _ key: String) throws(ConfigError) -> Set<Int64> {
        var out: Set<Int64> = []
        for (text, line) in try stringList(node, key) {
            guard let day = CivilCalendar.days(fromDate: text), CivilCalendar.date(days: day) == text else {
                throw fail(
                    line, "\(key): '\(RawName.safeLine(text))' is not a calendar date; use YYYYMMDD, e.g. 20261225")
            }
            out.insert(day)
        }
        return out
    }
}
