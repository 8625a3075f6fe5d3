internal import Glibc

/// Unix domain sockets.
package enum UnixSocket {
    package enum Kind: Sendable {
        case stream, datagram
    }

    /// socket(2) and connect(2): can a socket of `kind` connect to `path`? The descriptor is
    /// checked and closed; nothing is sent. Paths longer than `sun_path` fail with ENAMETOOLONG.
    package static func probe(path: String, kind: Kind) -> Result<Void, Errno> {
        let type = kind == .stream ? SOCK_STREAM : SOCK_DGRAM
        let fd = socket(AF_UNIX, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(.current) }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            return .failure(Errno(rawValue: ENAMETOOLONG))
        }
        withUnsafeMutableBytes(of: &address.sun_path) { p in
            for (i, b) in bytes.enumerated() { p[i] = b }
        }
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { a in
                valueOrErrno { connect(fd, a, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        return connected.map { _ in () }
    }
}
