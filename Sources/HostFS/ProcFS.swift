internal import Glibc

/// Readers for /proc's magic links and files. Paths here are built by the agent from a pid, never
/// taken from a volume; what they return is attacker-typed text (rule 11) for the caller to check.
package enum ProcFS {
    /// readlink(2): the target of a link such as `/proc/<pid>/ns/mnt`, as bytes; nil when it
    /// cannot be read (gone, or no ptrace access to another user's process).
    package static func readLink(_ path: String, capacity: Int = 4096) -> [UInt8]? {
        var buffer = [CChar](repeating: 0, count: capacity)
        let n = readlink(path, &buffer, buffer.count)
        guard n > 0, n < buffer.count else { return nil }
        return buffer.prefix(n).map { UInt8(bitPattern: $0) }
    }

    /// stat(2), following links: `/proc/<pid>/ns/mnt` and `/proc/<pid>/root` name the namespace
    /// and the root directory they lead to. nil when the call fails.
    package static func stat(_ path: String) -> FileStat? {
        FileStat(followingLinksAt: path)
    }

    /// realpath(3) of a trusted, configured path (the containerd root), symlinks resolved.
    package static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
