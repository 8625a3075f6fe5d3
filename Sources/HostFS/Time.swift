internal import Glibc

/// Wall-clock time helpers over clock_gettime(2), gmtime_r(3) and localtime_r(3).
package enum SystemClock {
    /// clock_gettime(2) CLOCK_REALTIME in nanoseconds.
    package static func nowNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// clock_gettime(2) CLOCK_MONOTONIC in nanoseconds.
    package static func monotonicNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// RFC 3339 in UTC to the second: `2026-02-03T00:00:00Z`.
    package static func rfc3339(ns: Int64) -> String {
        var t = time_t(floorDiv(ns, 1_000_000_000))
        var parts = tm()
        gmtime_r(&t, &parts)
        return format(parts, suffix: "Z", separator: "T")
    }

    /// Local time for people: `2026-02-03 09:00:00` in the process's time zone.
    package static func local(ns: Int64) -> String {
        var t = time_t(floorDiv(ns, 1_000_000_000))
        var parts = tm()
        localtime_r(&t, &parts)
        return format(parts, suffix: "", separator: " ")
    }

    static func format(_ p: tm, suffix: String, separator: String) -> String {
        // Built byte by byte: this runs once per row of `query --json`.
        var b: [UInt8] = []
        b.reserveCapacity(20)
        func digits(_ v: Int32, _ width: Int) {
            var divisor: Int32 = 1
            for _ in 1..<width { divisor *= 10 }
            let v = max(0, v)
            while divisor > 0 {
                b.append(UInt8(0x30 + (v / divisor) % 10))
                divisor /= 10
            }
        }
        digits(p.tm_year + 1900, 4)
        b.append(0x2D)
        digits(p.tm_mon + 1, 2)
        b.append(0x2D)
        digits(p.tm_mday, 2)
        b += separator.utf8
        digits(p.tm_hour, 2)
        b.append(0x3A)
        digits(p.tm_min, 2)
        b.append(0x3A)
        digits(p.tm_sec, 2)
        b += suffix.utf8
        return String(decoding: b, as: UTF8.self)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
