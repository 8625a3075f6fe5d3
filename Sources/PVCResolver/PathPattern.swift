/// A `path_pattern` such as `{namespace}/{pvc}`: directory levels below a storage root, each a
/// template of literal text and the placeholders `{namespace}`, `{pvc}` and `{pv}`.
package struct PathPattern: Sendable, Equatable {
    enum Token: Sendable, Equatable {
        case literal([UInt8])
        case field(Field)
    }

    enum Field: String, Sendable, Equatable {
        case namespace, pvc, pv
    }

    package let text: String
    let segments: [[Token]]

    package init(_ text: String) throws(PathPatternError) {
        self.text = text
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard !text.hasPrefix("/"), !parts.contains(where: \.isEmpty) else {
            throw PathPatternError(text: text, reason: "must be relative with no empty levels, e.g. {namespace}/{pvc}")
        }
        var segments: [[Token]] = []
        var seen: Set<String> = []
        for part in parts {
            guard part != ".", part != ".." else {
                throw PathPatternError(text: text, reason: "'.' and '..' levels are not allowed")
            }
            var tokens: [Token] = []
            var rest = Substring(part)
            while !rest.isEmpty {
                if rest.first == "{" {
                    guard let close = rest.firstIndex(of: "}") else {
                        throw PathPatternError(text: text, reason: "unclosed '{'")
                    }
                    let name = String(rest[rest.index(after: rest.startIndex)..<close])
                    guard let field = Field(rawValue: name) else {
                        throw PathPatternError(
                            text: text, reason: "unknown placeholder {\(name)}; use {namespace}, {pvc} or {pv}")
                    }
                    if case .field = tokens.last {
                        throw PathPatternError(text: text, reason: "two placeholders need literal text between them")
                    }
                    seen.insert(name)
                    tokens.append(.field(field))
                    rest = rest[rest.index(after: close)...]
                } else {
                    let end = rest.firstIndex(of: "{") ?? rest.endIndex
                    tokens.append(.literal(Array(rest[..<end].utf8)))
                    rest = rest[end...]
                }
            }
            segments.append(tokens)
        }
        guard seen.contains("namespace"), seen.contains("pvc") else {
            throw PathPatternError(text: text, reason: "must contain both {namespace} and {pvc}")
        }
        self.segments = segments
    }

    var depth: Int { segments.count }

    /// Matches one directory name against level `level`, extending `bound`; nil when it does not fit.
    func match(_ name: String, level: Int, bound: [Field: String]) -> [Field: String]? {
        matchTokens(segments[level][...], Array(name.utf8)[...], bound)
    }

    private func matchTokens(_ tokens: ArraySlice<Token>, _ name: ArraySlice<UInt8>, _ bound: [Field: String])
        -> [Field: String]?
    {
        guard let token = tokens.first else { return name.isEmpty ? bound : nil }
        switch token {
        case .literal(let lit):
            guard name.starts(with: lit) else { return nil }
            return matchTokens(tokens.dropFirst(), name.dropFirst(lit.count), bound)
        case .field(let field):
            // Try every split point; a placeholder takes at least one byte.
            var end = name.startIndex + 1
            while end <= name.endIndex {
                let value = String(decoding: name[name.startIndex..<end], as: UTF8.self)
                if Self.valid(value, for: field), bound[field].map({ $0 == value }) ?? true {
                    var next = bound
                    next[field] = value
                    if let result = matchTokens(tokens.dropFirst(), name[end...], next) { return result }
                }
                end += 1
            }
            return nil
        }
    }

    static func valid(_ value: String, for field: Field) -> Bool {
        field == .namespace ? KubernetesName.isLabel(value) : KubernetesName.isSubdomain(value)
    }
}

package struct PathPatternError: Error, Sendable, CustomStringConvertible {
    package let text: String
    package let reason: String
    package var description: String { "path_pattern \"\(text)\": \(reason)" }
}
