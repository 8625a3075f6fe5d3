/// Kubernetes resource quantities (`20Gi`, `5G`, `512Mi`, `1000`) as bytes.
package enum Quantity {
    package static func bytes(_ text: String) -> Int64? {
        let s = text.trimmingSpaces
        // Decimal exponent form, `5e9` or `1E6` (a bare `E` suffix is exa, handled below).
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }), e != s.startIndex, s.index(after: e) != s.endIndex {
            let mantissa = s[..<e]
            var exponent = s[s.index(after: e)...]
            if exponent.first == "+" { exponent = exponent.dropFirst() }
            if mantissa.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), !exponent.isEmpty,
                exponent.allSatisfy({ $0.isASCII && $0.isNumber }), let m = Double(mantissa), let x = Int(exponent),
                x <= 18
            {
                var value = m
                for _ in 0..<x { value *= 10 }
                return value < 9.2e18 ? Int64(value.rounded(.up)) : nil
            }
        }
        let suffixes: [(String, Double)] = [
            ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
            ("Pi", 1_125_899_906_842_624), ("Ei", 1_152_921_504_606_846_976),
            ("k", 1e3), ("K", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("E", 1e18),
        ]
        var number = Substring(s)
        var multiplier = 1.0
        for (suffix, value) in suffixes where s.hasSuffix(suffix) {
            number = s.dropLast(suffix.count)
            multiplier = value
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            let value = Double(number), value >= 0
        else { return nil }
        let result = (value * multiplier).rounded(.up)
        guard result < 9.2e18 else { return nil }
        return Int64(result)
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
