internal import Glibc

extension Output {
    /// isatty(3): whether `fd` is a terminal (a command's output piped or redirected is not).
    package static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }
}
