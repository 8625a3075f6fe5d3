internal import Glibc

/// An errno value by name, so that modules above HostFS never need Glibc to read one.
package struct Errno: Error, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    package var rawValue: Int32

    package init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's errno right now.
    package static var current: Errno { Errno(rawValue: Glibc.errno) }

    package static let interrupted = Errno(rawValue: EINTR)
    package static let noEntry = Errno(rawValue: ENOENT)
    package static let permissionDenied = Errno(rawValue: EACCES)
    package static let notPermitted = Errno(rawValue: EPERM)
    package static let noSpace = Errno(rawValue: ENOSPC)
    /// EDQUOT: also what `Inotify.watch` says when this process's own watch budget is spent.
    package static let quota = Errno(rawValue: EDQUOT)
    package static let exists = Errno(rawValue: EEXIST)
    package static let tooLarge = Errno(rawValue: EFBIG)
    package static let wouldBlock = Errno(rawValue: EAGAIN)
    package static let loop = Errno(rawValue: ELOOP)
    package static let notDirectory = Errno(rawValue: ENOTDIR)
    package static let crossDevice = Errno(rawValue: EXDEV)
    package static let invalid = Errno(rawValue: EINVAL)

    /// strerror(3): the C library's message for this errno.
    package var description: String { String(cString: strerror(rawValue)) }

    /// EACCES or EPERM.
    package var isPermission: Bool { self == .permissionDenied || self == .notPermitted }
}

/// Calls `call` and turns a -1 result into the errno it left; with `retryOnInterrupt` (the
/// default) a call interrupted by a signal (EINTR) is made again. Every system call HostFS makes
/// whose result is -1-and-errno goes through here, so no caller writes its own EINTR loop.
/// (The model is swift-system's `valueOrErrno(retryOnInterrupt:)`.)
@inline(__always)
func valueOrErrno<I: FixedWidthInteger>(retryOnInterrupt: Bool = true, _ call: () -> I) -> Result<I, Errno> {
    while true {
        let result = call()
        if result != -1 { return .success(result) }
        let e = Errno.current
        if retryOnInterrupt && e == .interrupted { continue }
        return .failure(e)
    }
}

/// `valueOrErrno` for a call whose error result is returned, not left in errno
/// (posix_spawn(3), the pthread functions): 0 is success.
@inline(__always)
func nothingOrErrno(_ call: () -> Int32) -> Result<Void, Errno> {
    let rc = call()
    return rc == 0 ? .success(()) : .failure(Errno(rawValue: rc))
}

extension Result {
    /// True for `.success`.
    package var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
