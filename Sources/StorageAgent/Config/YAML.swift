/// The configuration file's YAML as a tree: mappings (keys in file order), sequences and scalars.
/// Every node keeps its 1-based line so errors can name it. `YAMLParser` builds it from libyaml's
/// events; anchors, aliases, tags, directives and multiple documents are rejected there.
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

/// A document that is not YAML or not the subset above, with the 1-based line to look at.
struct YAMLError: Error, Equatable {
    let line: Int
    let message: String
}
