import Glibc
import HostFS

/// The NUL-terminated C form of raw name bytes.
package func cName(_ bytes: [UInt8]) -> [CChar] { bytes.map { CChar(bitPattern: $0) } + [0] }

/// Creates (or truncates) a file at `path` holding `bytes`.
@discardableResult
package func writeFile(_ path: String, _ bytes: [UInt8] = []) throws -> String {
    try writeFile(cPath: Array(path.utf8), bytes)
    return path
}

package func writeFile(_ path: String, _ text: String) throws {
    try writeFile(path, Array(text.utf8))
}

/// Creates a file whose path is raw bytes (names need not be UTF-8).
package func writeFile(cPath: [UInt8], _ bytes: [UInt8]) throws {
    let fd = cName(cPath).withUnsafeBufferPointer {
        open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    }
    guard fd >= 0 else { throw SystemError("open", path: String(decoding: cPath, as: UTF8.self)) }
    defer { close(fd) }
    var written = 0
    while written < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
        guard n > 0 else { throw SystemError("write", path: String(decoding: cPath, as: UTF8.self)) }
        written += n
    }
}

package func makeDirectory(_ path: String) throws {
    guard mkdir(path, 0o755) == 0 else { throw SystemError("mkdir", path: path) }
}

/// mkdir -p
package func makeDirectories(_ path: String) throws {
    var current = ""
    for part in path.split(separator: "/") {
        current += "/" + part
        if mkdir(current, 0o755) != 0 && errno != EEXIST { throw SystemError("mkdir", path: current) }
    }
}

package func makeSymlink(_ path: String, to target: String) throws {
    guard symlink(target, path) == 0 else { throw SystemError("symlink", path: path) }
}

/// Sets a path's access and modification time to `seconds` since the epoch (the link itself
/// for a symlink).
package func setModificationTime(_ path: String, seconds: Int) throws {
    var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
    guard utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
        throw SystemError("utimensat", path: path)
    }
}

/// Sleeps long enough that the next file system object is born in a later second.
package func sleepPastASecond() {
    var request = timespec(tv_sec: 1, tv_nsec: 100_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

/// Makes `depth` nested directories under `base` by descriptor (their paths may pass PATH_MAX),
/// level `n` named `name(n)`, with a one-line `file` in the deepest when given.
package func nestDirectories(_ base: String, depth: Int, name: (Int) -> String, file: String? = nil) {
    var dir = open(base, O_RDONLY | O_DIRECTORY)
    for level in 1...depth {
        _ = mkdirat(dir, name(level), 0o755)
        let next = openat(dir, name(level), O_RDONLY | O_DIRECTORY)
        close(dir)
        dir = next
    }
    if let file {
        let fd = openat(dir, file, O_CREAT | O_WRONLY, 0o644)
        _ = write(fd, "x\n", 2)
        close(fd)
    }
    close(dir)
}
