internal import Glibc

/// poll(2) for readability.
package enum Poll {
    /// Waits up to `timeoutMs` for any of `fds` to be readable (or hung up); which ones are.
    /// A wait interrupted by a signal (EINTR) returns with none ready, for the caller to look again.
    package static func readable(_ fds: [Int32], timeoutMs: Int32) -> Result<[Bool], Errno> {
        var entries = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        switch valueOrErrno(retryOnInterrupt: false, { poll(&entries, nfds_t(entries.count), timeoutMs) }) {
        case .success: return .success(entries.map { $0.revents != 0 })
        case .failure(let e) where e == .interrupted: return .success(fds.map { _ in false })
        case .failure(let e): return .failure(e)
        }
    }
}

/// Signal numbers, by name.
package enum Signal {
    package static let hangup = SIGHUP
    package static let interrupt = SIGINT
    package static let terminate = SIGTERM
    package static let kill = SIGKILL
}
