/// A JSON value for output, with object keys kept in the order the contract lists them.
enum JSONOut {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSONOut])
    case object([(String, JSONOut)])

    static func int<I: BinaryInteger>(_ v: I?) -> JSONOut { v.map { .int(Int64($0)) } ?? .null }
    static func string(_ s: String?) -> JSONOut { s.map { .string($0) } ?? .null }

    /// Compact for one value, one element per line for a top-level array (diff- and grep-friendly).
    func render() -> String {
        var out = ""
        if case .array(let items) = self {
            if items.isEmpty { return "[]\n" }
            out += "[\n"
            for (i, item) in items.enumerated() {
                item.write(to: &out)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            return out + "]\n"
        }
        write(to: &out)
        return out + "\n"
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .string(let s): Self.quote(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out += "," }
                Self.quote(key, into: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
