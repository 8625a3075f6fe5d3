import ArgumentParser
import HostFS

/// `--color=auto|always|never`: whether output carries ANSI colour. `auto` colours only a
/// terminal (standard output, `TERM` not `dumb`) and honours `NO_COLOR` (no-color.org: set and
/// not empty means no colour); `always` and `never` override both.
enum ColorMode: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, always, never

    /// Whether to colour standard output.
    var enabled: Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .auto:
            return CurrentProcess.environment("NO_COLOR") == nil && CurrentProcess.environment("TERM") != "dumb"
                && TerminalDevice.isTerminal(1)
        }
    }
}

/// SGR (select graphic rendition) sequences: colour around text, reset after it.
enum ANSI {
    static func paint(_ text: String, _ sgr: String) -> String { "\u{1B}[\(sgr)m" + text + "\u{1B}[0m" }
}
