/// Builds the `YAMLNode` tree from parse events with an explicit stack of open collections, so
/// that nesting costs no recursion, and at most `maxDepth` collections are open at once.
struct YAMLTreeBuilder {
    static let maxDepth = 64

    enum Kind { case mapping, sequence }

    private struct Open {
        let kind: Kind
        let line: Int
        var items: [YAMLNode] = []
        var entries: [(key: String, line: Int, value: YAMLNode)] = []
        var keys: Set<String> = []
        /// The key read in a mapping, waiting for its value.
        var key: (name: String, line: Int)?
    }

    private var open: [Open] = []
    private var root: YAMLNode?
    private var documents = 0

    mutating func startDocument(line: Int) throws(YAMLError) {
        documents += 1
        guard documents == 1 else { throw YAMLError(line: line, message: "only one YAML document is allowed") }
    }

    mutating func scalar(_ value: String, quoted: Bool, line: Int) throws(YAMLError) {
        if let top = open.indices.last, open[top].kind == .mapping, open[top].key == nil {
            guard open[top].keys.insert(value).inserted else {
                throw YAMLError(line: line, message: "duplicate key '\(value)'")
            }
            open[top].key = (value, line)
            return
        }
        add(.scalar(value, quoted: quoted, line: line))
    }

    mutating func start(_ kind: Kind, line: Int) throws(YAMLError) {
        if let top = open.indices.last, open[top].kind == .mapping, open[top].key == nil {
            throw YAMLError(line: line, message: "a mapping key must be a scalar, not a list or map")
        }
        guard open.count < Self.maxDepth else {
            throw YAMLError(line: line, message: "nesting deeper than \(Self.maxDepth) levels")
        }
        open.append(Open(kind: kind, line: line))
    }

    mutating func end() {
        guard let done = open.popLast() else { return }
        switch done.kind {
        case .mapping: add(.mapping(done.entries, line: done.line))
        case .sequence: add(.sequence(done.items, line: done.line))
        }
    }

    private mutating func add(_ node: YAMLNode) {
        guard let top = open.indices.last else {
            root = node
            return
        }
        switch open[top].kind {
        case .sequence:
            open[top].items.append(node)
        case .mapping:
            guard let key = open[top].key else { return }
            open[top].entries.append((key.name, key.line, node))
            open[top].key = nil
        }
    }

    /// The document's root: no document, or an empty one, is an empty mapping at line 1.
    func finish() -> YAMLNode {
        guard let root else { return .mapping([], line: 1) }
        if case .scalar("", false, _) = root { return .mapping([], line: 1) }
        return root
    }
}
