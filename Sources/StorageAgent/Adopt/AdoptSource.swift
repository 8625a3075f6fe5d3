import HostFS
import PVCResolver

/// A directory to adopt from: a stale directory of the PVC, or one named with `--from`.
struct AdoptSource {
    let path: String
    /// What conflicts are kept beside as: `NAME.adopted-<label>`.
    let label: String
    let open: () throws(SystemError) -> Descriptor

    init(_ volume: Volume) {
        path = volume.path
        label = Self.label(pv: volume.pv, name: volume.components.last ?? "")
        open = { () throws(SystemError) in try volume.open() }
    }

    init(path: String, root: String, name: String) {
        self.path = path
        label = Self.label(pv: nil, name: name)
        open = { () throws(SystemError) in try Descriptor.openDirectory(path: root).openDirectory(name: name) }
    }

    /// The PV name, else the `pvc-<uid>` part of a local-path directory name, else the name;
    /// anything but letters, digits, `.`, `-` and `_` (or longer than 63 bytes) makes it `orphan`.
    static func label(pv: String?, name: String) -> String {
        var label = pv ?? name
        if pv == nil, label.hasPrefix("pvc-"), let cut = label.firstIndex(of: "_") { label = String(label[..<cut]) }
        let allowed = label.utf8.allSatisfy { b in
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || b == 0x2D
                || b == 0x2E || b == 0x5F
        }
        return allowed && !label.isEmpty && label.utf8.count <= 63 && label.first != "." ? label : "orphan"
    }

    /// The stale directories of the PVC, oldest first.
    static func stale(_ matches: [Volume]) -> [AdoptSource] {
        matches.filter { $0.state == .stale }.sorted { $0.createdNs < $1.createdNs }.map(AdoptSource.init)
    }

    /// `--from DIR`: a known volume directory that is not current, or a direct child of a
    /// storage root; anything else is refused before anything is opened.
    static func named(
        _ given: String, roots: [String], volumes: [Volume], current: Volume
    ) throws(AgentError) -> AdoptSource {
        var dir = Context.absolute(given)
        while dir.count > 1 && dir.hasSuffix("/") { dir.removeLast() }
        let parts = dir.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw AgentError(.usage, "--from \(given): name the directory by a plain path, without . or .. parts")
        }
        if dir == current.path || current.path.hasPrefix(dir + "/") || dir.hasPrefix(current.path + "/") {
            throw AgentError(
                .usage, "--from \(given) is, holds or lies inside the current directory \(current.path); name another")
        }
        if let volume = volumes.first(where: { $0.path == dir }) {
            guard volume.state != .current else {
                throw AgentError(
                    .usage,
                    "--from \(given) is the current directory of PVC \(volume.claim ?? "?"); adopt takes stale, orphan or unknown directories (storage-agent pvc list)"
                )
            }
            return AdoptSource(volume)
        }
        let cut = dir.lastIndex(of: "/")!
        let parent = cut == dir.startIndex ? "/" : String(dir[..<cut])
        let name = String(dir[dir.index(after: cut)...])
        let normalized = roots.map { r in r.count > 1 && r.hasSuffix("/") ? String(r.dropLast()) : r }
        guard let root = normalized.first(where: { $0 == parent }), !name.isEmpty else {
            throw AgentError(
                .usage,
                "--from \(given) is neither a direct child of a storage root (\(normalized.joined(separator: ", "))) nor a known volume directory; see storage-agent pvc list"
            )
        }
        let source = AdoptSource(path: dir, root: root, name: name)
        do {
            _ = try source.open()
        } catch {
            if error.isVanished {
                throw AgentError(.missingInput, "--from \(given) does not exist; see storage-agent pvc list")
            }
            if error.looksLikeTampering {
                throw AgentError(.usage, "--from \(given) is not a directory (a symlink is never followed)")
            }
            if error.isPermission {
                throw AgentError(.permission, "cannot open --from \(given): permission denied; run with sudo")
            }
            throw AgentError(.ioError, "cannot open --from \(given): \(error.message)")
        }
        return source
    }
}
