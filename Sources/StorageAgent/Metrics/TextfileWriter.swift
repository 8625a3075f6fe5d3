import HostFS

/// Writes a file for node_exporter's textfile collector so a scrape never sees half of it:
/// a temporary `.<name>.<pid>.tmp` in the same directory (ignored by the collector, which reads
/// only `*.prom`), fsync, fchmod 0644, then rename(2) over the target (`Descriptor.replaceFile`).
enum TextfileWriter {
    static func write(_ text: String, to path: String) throws(AgentError) {
        try write(text, into: target(path))
    }

    /// Where `path` goes: its directory, opened (a missing one is a clear error before any work
    /// is done for it), and the file's name.
    static func target(_ path: String) throws(AgentError) -> Target {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty, name != ".", name != ".." else {
            throw AgentError(
                .usage, "metrics textfile \(path) names no file; give a path such as \(path)storage_agent.prom")
        }
        let dir: Descriptor
        do {
            dir = try Descriptor.openDirectory(path: directory)
        } catch {
            if error.code == .noEntry {
                throw AgentError(
                    .cannotCreate,
                    "metrics textfile directory \(directory) does not exist; create it (node_exporter's --collector.textfile.directory) or change metrics.textfile"
                )
            }
            if error.isPermission {
                throw AgentError(
                    .permission, "cannot open \(directory) for the metrics textfile: permission denied; run with sudo")
            }
            throw AgentError(.cannotCreate, "cannot open \(directory) for the metrics textfile: \(error.message)")
        }
        return Target(path: path, directory: dir, name: name)
    }

    struct Target {
        let path: String
        let directory: Descriptor
        let name: String
    }

    static func write(_ text: String, into target: Target) throws(AgentError) {
        let (path, dir, name) = (target.path, target.directory, target.name)
        // 0644 whatever the umask: node_exporter often runs as another user.
        do {
            try dir.replaceFile(
                named: name, temporary: ".\(name).\(CurrentProcess.id).tmp", contents: Array(text.utf8), mode: 0o644)
        } catch {
            let code: AgentError.Code =
                error.isPermission ? .permission : error.code == .noSpace ? .ioError : .cannotCreate
            throw AgentError(code, "cannot write metrics textfile \(path): \(error.call): \(error.message)")
        }
    }
}
