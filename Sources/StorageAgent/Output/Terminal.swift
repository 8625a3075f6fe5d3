import HostFS

/// The terminal standard output goes to, when it is one. Tables shorten long columns to fit it;
/// piped output is never shortened, so scripts always get whole cells.
enum Terminal {
    /// The width output on stdout must fit: nil when stdout is not a terminal. `COLUMNS`, when it
    /// is a positive number, wins over the terminal's own size (as ls(1) does), so a user can ask
    /// for narrower or wider tables.
    static func stdoutWidth() -> Int? {
        guard TerminalDevice.isTerminal(1) else { return nil }
        return width(columns: CurrentProcess.environment("COLUMNS"), terminal: TerminalDevice.columns(1))
    }

    static func width(columns: String?, terminal: Int?) -> Int? {
        if let columns, let n = Int(columns), n > 0 { return n }
        return terminal
    }
}
