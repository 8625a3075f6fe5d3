import Glibc
import HostFS
import Testing

func makeFIFO(_ path: String) throws {
    guard mkfifo(path, 0o644) == 0 else { throw SystemError("mkfifo", path: path) }
}

/// Binds a Unix-domain socket at `path` (leaving a socket inode behind) and closes it.
func makeSocket(_ path: String) throws {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SystemError("socket", path: path) }
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    precondition(bytes.count < MemoryLayout.size(ofValue: address.sun_path))
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        for (i, b) in bytes.enumerated() { raw[i] = b }
    }
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard result == 0 else { throw SystemError("bind", path: path) }
}

/// The names (as raw bytes) and types `forEachEntry` reports for `dir`.
func listing(_ dir: Descriptor) throws -> [(name: [UInt8], type: FileType)] {
    var out: [(name: [UInt8], type: FileType)] = []
    try dir.forEachEntry { entry in out.append((Array(entry.nameBytes), entry.type)) }
    return out
}

/// A C string that lives as long as this value; avoids closures so that non-copyable results
/// (`OpenFile`) can be returned straight through.
final class CString {
    let pointer: UnsafeMutablePointer<CChar>

    init(_ bytes: [UInt8]) {
        pointer = .allocate(capacity: bytes.count + 1)
        for (i, b) in bytes.enumerated() { pointer[i] = CChar(bitPattern: b) }
        pointer[bytes.count] = 0
    }

    convenience init(_ text: String) { self.init(Array(text.utf8)) }

    deinit { pointer.deallocate() }
}

extension Descriptor {
    /// Convenience wrappers over the C-string APIs for tests.
    func openDirectory(_ name: String) throws(SystemError) -> Descriptor {
        let c = CString(name)
        return try openDirectory(named: c.pointer)
    }

    func openFile(_ name: String) throws(SystemError) -> OpenFile {
        let c = CString(name)
        return try openFile(named: c.pointer)
    }

    func stat(_ name: String) throws(SystemError) -> FileStat {
        let c = CString(name)
        return try stat(named: c.pointer)
    }
}

/// The errno of a failed HostFS call, or nil when it did not fail.
func errnoOf<T: ~Copyable>(_ body: () throws(SystemError) -> T) -> Int32? {
    do {
        _ = try body()
        return nil
    } catch {
        return error.errno
    }
}

/// Opens `name` below `dir` with `openFile(named:)` and counts its newlines. (`OpenFile` is
/// non-copyable, so it never appears inside `#expect`.)
func lineCount(_ dir: Descriptor, _ name: String, from offset: Int64 = 0, buffer: LineCountBuffer) throws -> (
    lines: Int64, bytes: Int64
)? {
    let file = try dir.openFile(name)
    return file.countNewlines(from: offset, buffer: buffer).map { ($0.lines, $0.bytes) }
}

/// As `lineCount`, with a read budget, and whether the count reached the end.
func lineCount(_ dir: Descriptor, _ name: String, from offset: Int64 = 0, budget: Int64) throws -> (
    lines: Int64, bytes: Int64, complete: Bool
)? {
    let file = try dir.openFile(name)
    return file.countNewlines(from: offset, buffer: LineCountBuffer(capacity: 64 << 10), budget: budget)
}

/// Opens `name` below `dir` with `openFile(named:)` and fstats what was opened.
func openedStat(_ dir: Descriptor, _ name: String) throws -> FileStat? {
    let file = try dir.openFile(name)
    return file.stat()
}
