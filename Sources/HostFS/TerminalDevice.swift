internal import Glibc

/// What a descriptor's terminal says about itself: isatty(3) and ioctl(2) TIOCGWINSZ.
package enum TerminalDevice {
    /// isatty(3): whether `fd` refers to a terminal.
    package static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// ioctl(2) TIOCGWINSZ (tty_ioctl(4)): the terminal's width in columns; nil when `fd` is not a
    /// terminal or the terminal does not know its size (0 columns).
    package static func columns(_ fd: Int32) -> Int? {
        var size = winsize()
        guard case .success = valueOrErrno({ ioctl(fd, UInt(TIOCGWINSZ), &size) }), size.ws_col > 0 else {
            return nil
        }
        return Int(size.ws_col)
    }
}
