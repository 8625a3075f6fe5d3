import Glibc

/// Wall-clock time helpers over clock_gettime(2), gmtime_r(3) and localtime_r(3).
public enum SystemClock {
    /// clock_gettime(2) CLOCK_REALTIME in nanoseconds.
    public static func nowNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// clock_gettime(2) CLOCK_MONOTONIC in nanoseconds.
    public static func monotonicNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// RFC 3339 in UTC to the second: `2026-02-03T00:00:00Z`.
    public static func rfc3339(ns: Int64) -> String {
        var t = time_t(floorDiv(ns, 1_000_000_000))
        var parts = tm()
        gmtime_r(&t, &parts)
        return format(parts, suffix: "Z", separator: "T")
    }

    /// Local time for people: `2026-02-03 09:00:00` in the process's time zone.
    public static func local(ns: Int64) -> String {
        var t = time_t(floorDiv(ns, 1_000_000_000))
        var parts = tm()
        localtime_r(&t, &parts)
        return format(parts, suffix: "", separator: " ")
    }

    static func format(_ p: tm, suffix: String, separator: String) -> String {
        func pad(_ v: Int32, _ width: Int = 2) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(p.tm_year + 1900, 4))-\(pad(p.tm_mon + 1))-\(pad(p.tm_mday))\(separator)"
            + "\(pad(p.tm_hour)):\(pad(p.tm_min)):\(pad(p.tm_sec))\(suffix)"
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
