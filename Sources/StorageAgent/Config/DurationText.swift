/// Durations in the config: a number and a unit, repeated.
enum DurationText {
    /// `90s`, `10m`, `6h`, `3d`, `1w`, or combinations such as `1h30m`.
    static func seconds(_ s: String) -> Int64? {
        var total: Int64 = 0
        var number: Int64?
        for c in s {
            if let d = c.wholeNumberValue, c.isASCII {
                number = (number ?? 0) * 10 + Int64(d)
                guard number! < 10_000_000 else { return nil }
            } else {
                guard let n = number else { return nil }
                switch c {
                case "s": total += n
                case "m": total += n * 60
                case "h": total += n * 3600
                case "d": total += n * 86400
                case "w": total += n * 7 * 86400
                default: return nil
                }
                number = nil
            }
        }
        guard number == nil, !s.isEmpty else { return nil }
        return total
    }
}
