/// A YAML subset for the configuration file: block mappings and sequences, flow `[...]` and
/// `{...}` on one line, plain and quoted scalars, comments. Every node keeps its line so errors
/// can name it. Anchors, tags, multi-line scalars and multiple documents are rejected.
indirect enum YAMLNode: Equatable {
    case scalar(String, quoted: Bool, line: Int)
    case mapping([(key: String, line: Int, value: YAMLNode)], line: Int)
    case sequence([YAMLNode], line: Int)

    var line: Int {
        switch self {
        case .scalar(_, _, let l), .mapping(_, let l), .sequence(_, let l): return l
        }
    }

    /// A plain `null`, `~` or empty value.
    var isNull: Bool {
        if case .scalar(let s, false, _) = self {
            return s.isEmpty || s == "null" || s == "~" || s == "Null" || s == "NULL"
        }
        return false
    }

    static func == (a: YAMLNode, b: YAMLNode) -> Bool {
        switch (a, b) {
        case (.scalar(let x, let q, _), .scalar(let y, let r, _)): return x == y && q == r
        case (.sequence(let x, _), .sequence(let y, _)): return x == y
        case (.mapping(let x, _), .mapping(let y, _)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }
}

struct YAMLError: Error, Equatable {
    let line: Int
    let message: String
}

struct YAMLParser {
    struct Line {
        var indent: Int
        var text: Substring
        let number: Int
    }

    private var lines: [Line] = []
    private var index = 0

    /// Parses a whole document; an empty document is an empty mapping.
    static func parse(_ text: String) throws(YAMLError) -> YAMLNode {
        var parser = YAMLParser()
        try parser.split(text)
        guard !parser.lines.isEmpty else { return .mapping([], line: 1) }
        let node = try parser.block(indent: parser.lines[0].indent)
        if parser.index < parser.lines.count {
            throw YAMLError(line: parser.lines[parser.index].number, message: "unexpected indentation")
        }
        return node
    }

    private mutating func split(_ text: String) throws(YAMLError) {
        var number = 0
        // Split on the byte: in Swift "\r\n" is one Character and would not match "\n".
        for rawBytes in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            var line = Substring(
                String(decoding: rawBytes.last == 0x0D ? rawBytes.dropLast() : rawBytes, as: UTF8.self))
            if number == 1, line.hasPrefix("\u{FEFF}") { line.removeFirst() }
            let indent = line.prefix { $0 == " " }.count
            var content = line.dropFirst(indent)
            if content.first == "\t" {
                throw YAMLError(line: number, message: "tabs are not allowed for indentation; use spaces")
            }
            content = Self.stripComment(content)
            while let l = content.last, l == " " || l == "\t" { content.removeLast() }
            if content.isEmpty { continue }
            if content == "---" && lines.isEmpty { continue }
            if content == "---" || content == "..." {
                throw YAMLError(line: number, message: "only one YAML document is allowed")
            }
            if let c = content.first, "&*!|>%@`".contains(c) {
                throw YAMLError(
                    line: number, message: "anchors, aliases, tags and block scalars are not supported; quote the value"
                )
            }
            lines.append(Line(indent: indent, text: content, number: number))
        }
    }

    /// Removes a `#` comment that starts the line or follows white space, outside quotes
    /// (`''` inside single quotes and `\"` inside double quotes do not end them).
    static func stripComment(_ s: Substring) -> Substring {
        var quote: Character?
        var previous: Character = " "
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if let q = quote {
                if q == "\"" && c == "\\" {
                    i = s.index(after: i)
                    if i < s.endIndex { previous = s[i]; i = s.index(after: i) }
                    continue
                }
                if c == q {
                    let next = s.index(after: i)
                    if q == "'" && next < s.endIndex && s[next] == "'" {
                        i = s.index(after: next)
                        continue
                    }
                    quote = nil
                }
            } else if c == "\"" || c == "'" {
                if previous == " " || previous == "[" || previous == "{" || previous == "," || previous == ":" {
                    quote = c
                }
            } else if c == "#" && (previous == " " || previous == "\t") {
                return s[..<i]
            }
            previous = c
            i = s.index(after: i)
        }
        return s
    }

    private mutating func block(indent: Int) throws(YAMLError) -> YAMLNode {
        let line = lines[index]
        if Self.isSequenceItem(line.text) { return try sequence(indent: indent) }
        if Self.keySplit(line.text) != nil { return try mapping(indent: indent) }
        index += 1
        return try Self.inline(line.text, line: line.number)
    }

    private static func isSequenceItem(_ s: Substring) -> Bool { s == "-" || s.hasPrefix("- ") }

    private mutating func sequence(indent: Int) throws(YAMLError) -> YAMLNode {
        let start = lines[index].number
        var items: [YAMLNode] = []
        while index < lines.count, lines[index].indent == indent, Self.isSequenceItem(lines[index].text) {
            let line = lines[index]
            let rest = line.text.dropFirst(1).drop { $0 == " " }
            if rest.isEmpty {
                index += 1
                guard index < lines.count, lines[index].indent > indent else {
                    items.append(.scalar("", quoted: false, line: line.number))
                    continue
                }
                items.append(try block(indent: lines[index].indent))
            } else if Self.keySplit(rest) != nil || Self.isSequenceItem(rest) {
                // `- key: value` opens a mapping whose keys line up with `key`.
                let column = indent + line.text.distance(from: line.text.startIndex, to: rest.startIndex)
                lines[index] = Line(indent: column, text: rest, number: line.number)
                items.append(try block(indent: column))
            } else {
                index += 1
                items.append(try Self.inline(rest, line: line.number))
            }
        }
        return .sequence(items, line: start)
    }

    private mutating func mapping(indent: Int) throws(YAMLError) -> YAMLNode {
        let start = lines[index].number
        var entries: [(key: String, line: Int, value: YAMLNode)] = []
        while index < lines.count, lines[index].indent == indent {
            let line = lines[index]
            guard !Self.isSequenceItem(line.text), let (rawKey, rest) = Self.keySplit(line.text) else {
                throw YAMLError(line: line.number, message: "expected 'key: value'")
            }
            let key = try Self.scalarText(rawKey, line: line.number)
            if entries.contains(where: { $0.key == key }) {
                throw YAMLError(line: line.number, message: "duplicate key '\(key)'")
            }
            index += 1
            let value: YAMLNode
            if !rest.isEmpty {
                value = try Self.inline(rest, line: line.number)
            } else if index < lines.count, lines[index].indent > indent {
                value = try block(indent: lines[index].indent)
            } else if index < lines.count, lines[index].indent == indent, Self.isSequenceItem(lines[index].text) {
                value = try sequence(indent: indent)
            } else {
                value = .scalar("", quoted: false, line: line.number)
            }
            entries.append((key, line.number, value))
        }
        if index < lines.count, lines[index].indent > indent {
            throw YAMLError(line: lines[index].number, message: "unexpected indentation")
        }
        return .mapping(entries, line: start)
    }

    /// Splits `key: rest` at the first `:` that ends the text or is followed by a space,
    /// outside quotes and brackets.
    static func keySplit(_ s: Substring) -> (Substring, Substring)? {
        var quote: Character?
        var depth = 0
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "[" || c == "{" {
                depth += 1
            } else if c == "]" || c == "}" {
                depth -= 1
            } else if c == ":" && depth == 0 {
                let next = s.index(after: i)
                if next == s.endIndex || s[next] == " " {
                    let key = s[..<i]
                    if key.isEmpty || key.first == "[" || key.first == "{" { return nil }
                    return (key, s[next...].drop { $0 == " " })
                }
            }
            i = s.index(after: i)
        }
        return nil
    }

    static func inline(_ s: Substring, line: Int) throws(YAMLError) -> YAMLNode {
        if let c = s.first, "&*!|>%@`".contains(c) {
            throw YAMLError(
                line: line, message: "anchors, aliases, tags and block scalars are not supported; quote the value")
        }
        if s.first == "[" || s.first == "{" {
            var flow = FlowParser(text: Array(s), line: line)
            let node = try flow.value()
            flow.skipSpace()
            guard flow.index == flow.text.count else {
                throw YAMLError(line: line, message: "unexpected text after flow value")
            }
            return node
        }
        if s.first == "\"" || s.first == "'" { return .scalar(try scalarText(s, line: line), quoted: true, line: line) }
        return .scalar(String(s), quoted: false, line: line)
    }

    /// A key or scalar with its quotes removed and escapes applied.
    static func scalarText(_ s: Substring, line: Int) throws(YAMLError) -> String {
        guard let q = s.first, q == "\"" || q == "'" else { return String(s) }
        guard s.count >= 2, s.last == q else { throw YAMLError(line: line, message: "unterminated quoted string") }
        let body = s.dropFirst().dropLast()
        if q == "'" { return body.replacingOccurrences("''", "'") }
        var out = ""
        var escaped = false
        for c in body {
            if escaped {
                switch c {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "\"", "\\", "/": out.append(c)
                default: throw YAMLError(line: line, message: "unsupported escape '\\\(c)'")
                }
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        return out
    }
}

/// `[a, b]` and `{k: v}` on one line.
private struct FlowParser {
    let text: [Character]
    let line: Int
    var index = 0

    mutating func skipSpace() { while index < text.count, text[index] == " " { index += 1 } }

    mutating func value() throws(YAMLError) -> YAMLNode {
        skipSpace()
        guard index < text.count else { throw YAMLError(line: line, message: "missing value") }
        switch text[index] {
        case "[":
            index += 1
            var items: [YAMLNode] = []
            skipSpace()
            if index < text.count, text[index] == "]" {
                index += 1
                return .sequence(items, line: line)
            }
            while true {
                items.append(try value())
                skipSpace()
                guard index < text.count else { throw YAMLError(line: line, message: "unclosed '['") }
                if text[index] == "," { index += 1; continue }
                guard text[index] == "]" else { throw YAMLError(line: line, message: "expected ',' or ']'") }
                index += 1
                return .sequence(items, line: line)
            }
        case "{":
            index += 1
            var entries: [(key: String, line: Int, value: YAMLNode)] = []
            skipSpace()
            if index < text.count, text[index] == "}" {
                index += 1
                return .mapping(entries, line: line)
            }
            while true {
                guard case .scalar(let key, _, _) = try scalar(stopAtColon: true) else { break }
                skipSpace()
                guard index < text.count, text[index] == ":" else {
                    throw YAMLError(line: line, message: "expected ':' after '\(key)'")
                }
                index += 1
                if entries.contains(where: { $0.key == key }) {
                    throw YAMLError(line: line, message: "duplicate key '\(key)'")
                }
                entries.append((key, line, try value()))
                skipSpace()
                guard index < text.count else { throw YAMLError(line: line, message: "unclosed '{'") }
                if text[index] == "," { index += 1; continue }
                guard text[index] == "}" else { throw YAMLError(line: line, message: "expected ',' or '}'") }
                index += 1
                return .mapping(entries, line: line)
            }
            throw YAMLError(line: line, message: "bad mapping")
        default:
            return try scalar(stopAtColon: false)
        }
    }

    mutating func scalar(stopAtColon: Bool) throws(YAMLError) -> YAMLNode {
        skipSpace()
        guard index < text.count else { throw YAMLError(line: line, message: "missing value") }
        if text[index] == "\"" || text[index] == "'" {
            let q = text[index]
            var end = index + 1
            while end < text.count {
                if text[end] == "\\" && q == "\"" { end += 2; continue }
                if text[end] == q {
                    if q == "'" && end + 1 < text.count && text[end + 1] == "'" { end += 2; continue }
                    break
                }
                end += 1
            }
            guard end < text.count else { throw YAMLError(line: line, message: "unterminated quoted string") }
            let raw = Substring(String(text[index...end]))
            index = end + 1
            return .scalar(try YAMLParser.scalarText(raw, line: line), quoted: true, line: line)
        }
        let start = index
        while index < text.count, !",]}".contains(text[index]) {
            if stopAtColon && text[index] == ":" { break }
            index += 1
        }
        var s = String(text[start..<index])
        while s.last == " " { s.removeLast() }
        return .scalar(s, quoted: false, line: line)
    }
}

extension Substring {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        var out = ""
        var rest = self
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
