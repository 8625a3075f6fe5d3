internal import Glibc

/// Reads a whole trusted file (the config) as UTF-8 text.
package func readTextFile(_ path: String) -> Result<String, SystemError> {
    readFile(path).map { String(decoding: $0, as: UTF8.self) }
}

/// `readTrustedFile` as UTF-8 text.
package func readTrustedTextFile(_ path: String) -> Result<(text: String, distrust: String?), SystemError> {
    readTrustedFile(path).map { (String(decoding: $0.bytes, as: UTF8.self), $0.distrust) }
}

/// Reads a whole trusted file (the config, a zoneinfo file), at most 16 MiB.
package func readFile(_ path: String) -> Result<[UInt8], SystemError> {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return .failure(SystemError("open", path: path)) }
    defer { close(fd) }
    return readAll(fd, path: path)
}

/// Reads `fd` to its end, at most 16 MiB.
func readAll(_ fd: Int32, path: String) -> Result<[UInt8], SystemError> {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let result = chunk.withUnsafeMutableBytes { buffer in
            valueOrErrno { read(fd, buffer.baseAddress, buffer.count) }
        }
        guard case .success(let n) = result else { return .failure(SystemError("read", path: path)) }
        if n == 0 { break }
        bytes += chunk[0..<n]
        if bytes.count > 16 << 20 { return .failure(SystemError("read", path: path, errno: EFBIG)) }
    }
    return .success(bytes)
}

/// Writes to standard output or standard error without Foundation, in one write per call.
package enum Output {
    package static func out(_ s: String) { write(1, s) }
    package static func err(_ s: String) { write(2, s) }
    package static func out(_ bytes: [UInt8]) { bytes.withUnsafeBufferPointer { write(1, $0) } }

    package static func write(_ fd: Int32, _ s: String) {
        var s = s
        s.withUTF8 { write(fd, $0) }
    }

    /// write(2) all of `buffer`, or as much as the descriptor takes before an error.
    package static func write(_ fd: Int32, _ buffer: UnsafeBufferPointer<UInt8>) {
        _ = writeAll(fd, UnsafeRawBufferPointer(buffer))
    }

    /// write(2) until all of `buffer` is written; the errno of the first failure.
    package static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Result<Void, Errno> {
        var offset = 0
        while offset < buffer.count {
            switch valueOrErrno({ Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset) }) {
            case .success(let n): offset += n
            case .failure(let e): return .failure(e)
            }
        }
        return .success(())
    }
}
