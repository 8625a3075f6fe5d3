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

    /// proc_pid_stat(5), field 22 `starttime`: when process `pid` started, in clock ticks after
    /// boot. With the pid it names one process: a recycled pid has another start time. nil when
    /// there is no such process, or only its zombie.
    package static func startTime(pid: Int32) -> UInt64? {
        guard pid > 0, case .success(let bytes) = readFile("/proc/\(pid)/stat") else { return nil }
        // The command name (field 2) is in parentheses and may hold anything: read after the last ')'.
        guard let close = bytes.lastIndex(of: 0x29) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: 0x20)
        // fields[0] is field 3, the state; starttime is field 22.
        guard fields.count > 19, let state = fields[0].first, state != 0x5A, state != 0x58 else { return nil }
        return UInt64(String(decoding: fields[19], as: UTF8.self))
    }

    /// /proc/sys/kernel/random/boot_id: this boot's id (start times are counted from the boot).
    package static func bootID() -> String? {
        guard case .success(let bytes) = readFile("/proc/sys/kernel/random/boot_id") else { return nil }
        let id = String(decoding: bytes.filter { $0 > 0x20 }, as: UTF8.self)
        return id.isEmpty ? nil : id
    }
}
