internal import Glibc

/// The terminal the command line may talk to.
package enum Terminal {
    /// isatty(3): `fd` is a terminal (not a pipe, a file or the journal's socket).
    package static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }
}
