import Alerting
import HostFS
import Inventory

/// A long scan's progress on stderr, one line rewritten with `\r` and cleared at the end: only
/// when stderr is a terminal and the process is not under systemd (no INVOCATION_ID or
/// JOURNAL_STREAM), so a pipe, a log file or the journal never sees it.
final class ProgressLine {
    let meter = ScanMeter()
    private let startedNs = SystemClock.monotonicNs()
    private var lastNs: Int64 = 0
    private var shown = false

    /// At most 10 updates a second.
    static let intervalNs: Int64 = 100_000_000

    /// A progress line when the environment wants one, else nil.
    static func forStderr() -> ProgressLine? {
        guard TerminalDevice.isTerminal(2), CurrentProcess.environment("INVOCATION_ID") == nil,
            CurrentProcess.environment("JOURNAL_STREAM") == nil
        else { return nil }
        return ProgressLine()
    }

    /// Redraws the line when the last redraw is old enough; true (the scan goes on).
    func update() -> Bool {
        let now = SystemClock.monotonicNs()
        guard !shown || now - lastNs >= Self.intervalNs else { return true }
        lastNs = now
        let files = meter.files
        let seconds = Double(now - startedNs) / 1e9
        let rate = seconds > 0 ? Int64(Double(files) / seconds) : 0
        Output.err(
            "\r\u{1B}[Kscanning: \(meter.volumesDone)/\(meter.volumesTotal) volumes, "
                + "\(Format.count(Int64(files))) files, \(Format.count(rate)) files/s")
        shown = true
        return true
    }

    /// Clears the line (if one was drawn), so what follows starts on a clean line.
    func clear() {
        if shown { Output.err("\r\u{1B}[K") }
        shown = false
    }
}
