import HostFS
import PVCResolver

/// A `rescue.paths` entry: a container-path glob (`/app/data/**`, `/srv/*/out/*.jsonl`), for every
/// namespace or, written `NAMESPACE:/path/glob`, for one. Each `/`-separated part is a file-name
/// glob (fnmatch(3)); a part that is `**` matches any number of directories, none included.
struct RescuePath: Sendable, Equatable {
    let text: String
    let namespace: String?
    /// The parts after the leading `/`; nil stands for `**`.
    let parts: [Glob?]

    init?(_ text: String) {
        var path = Substring(text)
        var namespace: String?
        if !text.hasPrefix("/") {
            guard let colon = text.firstIndex(of: ":"), KubernetesName.isLabel(text[..<colon]) else { return nil }
            namespace = String(text[..<colon])
            path = text[text.index(after: colon)...]
        }
        guard path.hasPrefix("/"), path.count > 1 else { return nil }
        var parts: [Glob?] = []
        for part in path.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { return nil }
            if part == "**" {
                parts.append(nil)
            } else {
                guard let glob = try? Glob(String(part)) else { return nil }
                parts.append(glob)
            }
        }
        self.text = text
        self.namespace = namespace
        self.parts = parts
    }

    /// Whether `containerPath` (`/`-prefixed raw bytes) of a file of `namespace` matches.
    func matches(_ containerPath: [UInt8], namespace: String?) -> Bool {
        if let scoped = self.namespace, scoped != namespace { return false }
        let names = containerPath.split(separator: 0x2F).map { Array($0) }
        return Self.match(parts[...], names[...])
    }

    private static func match(_ parts: ArraySlice<Glob?>, _ names: ArraySlice<[UInt8]>) -> Bool {
        guard let first = parts.first else { return names.isEmpty }
        guard let glob = first else {
            // `**`: here, or one directory further down.
            return match(parts.dropFirst(), names) || (!names.isEmpty && match(parts, names.dropFirst()))
        }
        guard let name = names.first else { return false }
        let matched = (name.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer {
            glob.matches($0.baseAddress!, length: name.count)
        }
        return matched && match(parts.dropFirst(), names.dropFirst())
    }
}
