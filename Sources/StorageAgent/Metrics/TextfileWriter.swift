import Glibc

/// Writes a file for node_exporter's textfile collector so a scrape never sees half of it:
/// a temporary `.<name>.<pid>.tmp` in the same directory (ignored by the collector, which reads
/// only `*.prom`), fsync, fchmod 0644, then rename(2) over the target.
enum TextfileWriter {
    static func write(_ text: String, to path: String) throws(AgentError) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty, name != ".", name != ".." else {
            throw AgentError(
                .usage, "metrics textfile \(path) names no file; give a path such as \(path)storage_agent.prom")
        }
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else {
            let e = errno
            switch e {
            case ENOENT:
                throw AgentError(
                    .cannotCreate,
                    "metrics textfile directory \(directory) does not exist; create it (node_exporter's --collector.textfile.directory) or change metrics.textfile"
                )
            case EACCES, EPERM:
                throw AgentError(
                    .permission, "cannot open \(directory) for the metrics textfile: permission denied; run with sudo")
            default:
                throw AgentError(
                    .cannotCreate, "cannot open \(directory) for the metrics textfile: \(String(cString: strerror(e)))")
            }
        }
        defer { close(dir) }
        let temporary = ".\(name).\(getpid()).tmp"
        func failure(_ what: String, _ e: Int32 = errno) -> AgentError {
            let code: AgentError.Code = e == EACCES || e == EPERM ? .permission : e == ENOSPC ? .ioError : .cannotCreate
            return AgentError(code, "cannot write metrics textfile \(path): \(what): \(String(cString: strerror(e)))")
        }
        // A leftover (or planted) file under the temporary name is removed, never written through.
        _ = unlinkat(dir, temporary, 0)
        let fd = openat(dir, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("create \(temporary)") }
        var ok = false
        defer {
            if !ok { _ = unlinkat(dir, temporary, 0) }
        }
        do {
            defer { close(fd) }
            var text = text
            let written = text.withUTF8 { buffer -> Int32 in
                var offset = 0
                while offset < buffer.count {
                    let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return errno
                    }
                    offset += n
                }
                return 0
            }
            guard written == 0 else { throw failure("write", written) }
            guard fsync(fd) == 0 else { throw failure("fsync") }
            // The umask may have narrowed the mode; node_exporter often runs as another user.
            guard fchmod(fd, 0o644) == 0 else { throw failure("fchmod") }
        }
        guard renameat(dir, temporary, dir, name) == 0 else { throw failure("rename over \(name)") }
        ok = true
        // The rename itself is durable once the directory is synced; a failure here loses nothing.
        _ = fsync(dir)
    }
}
