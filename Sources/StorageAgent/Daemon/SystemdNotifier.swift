import CSystemd
import Glibc
import HostFS

/// The sd_notify(3) protocol: READY, STATUS, WATCHDOG, RELOADING, STOPPING. Without
/// NOTIFY_SOCKET (not under systemd) every call is a no-op.
struct SystemdNotifier {
    /// Half of WATCHDOG_USEC, in nanoseconds, when systemd asked for keep-alives.
    let watchdogIntervalNs: Int64?

    init() {
        var usec: UInt64 = 0
        watchdogIntervalNs = sd_watchdog_enabled(0, &usec) > 0 && usec > 0 ? Int64(usec) * 1000 / 2 : nil
    }

    func notify(_ state: String) { _ = sd_notify(0, state) }

    func ready(status: String) { notify("READY=1\nSTATUS=\(status)") }

    func status(_ status: String) { notify("STATUS=\(status)") }

    func watchdog() { notify("WATCHDOG=1") }

    /// RELOADING=1 with the CLOCK_MONOTONIC time systemd 253+ expects alongside it.
    func reloading() { notify("RELOADING=1\nMONOTONIC_USEC=\(SystemClock.monotonicNs() / 1000)") }

    func stopping() { notify("STOPPING=1\nSTATUS=stopping") }
}

/// Daemon log lines on stderr with a syslog priority prefix, which journald turns into PRIORITY.
enum Log {
    static func error(_ message: String) { Output.err("<3>\(message)\n") }
    static func warning(_ message: String) { Output.err("<4>\(message)\n") }
    static func notice(_ message: String) { Output.err("<5>\(message)\n") }
    static func info(_ message: String) { Output.err("<6>\(message)\n") }
}
