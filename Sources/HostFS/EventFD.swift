internal import CHostFS
internal import Glibc

/// eventfd(2): a counter another thread bumps to wake a poll(2) loop (`fd` turns readable).
package final class EventFD: Sendable {
    package let fd: Int32

    package init() throws(SystemError) {
        fd = chostfs_eventfd()
        guard fd >= 0 else { throw SystemError("eventfd", path: "") }
    }

    deinit { close(fd) }

    /// write(2) of 1: wakes the poller.
    package func signal() {
        var one: UInt64 = 1
        _ = valueOrErrno { write(fd, &one, 8) }
    }

    /// read(2): resets the counter, so `fd` is not readable until the next `signal()`.
    package func drain() {
        var count: UInt64 = 0
        _ = valueOrErrno { read(fd, &count, 8) }
    }
}
