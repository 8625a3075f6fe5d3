package enum Format {
    /// `ls -h` style: 912B, 1.5K, 20M, 3.1G.
    package static func size(_ bytes: Int64) -> String {
        let units = ["B", "K", "M", "G", "T", "P", "E"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes)B" }
        if value < 10 {
            let tenths = Int((value * 10).rounded(.up))
            return tenths % 10 == 0 && tenths >= 100
                ? "\(tenths / 10)\(units[unit])" : "\(tenths / 10).\(tenths % 10)\(units[unit])"
        }
        return "\(Int(value.rounded(.up)))\(units[unit])"
    }

    package static func count(_ n: Int64) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }
}
