import CSystemd
import HostFS

/// The sd_notify(3) protocol: READY, STATUS, WATCHDOG, RELOADING, STOPPING. Without
/// NOTIFY_SOCKET (not under systemd) every call is a no-op.
package struct SystemdNotifier {
    /// Half of WATCHDOG_USEC, in nanoseconds, when systemd asked for keep-alives.
    package let watchdogIntervalNs: Int64?

    package init() {
        var usec: UInt64 = 0
        watchdogIntervalNs = sd_watchdog_enabled(0, &usec) > 0 && usec > 0 ? Int64(usec) * 1000 / 2 : nil
    }

    package func notify(_ state: String) { _ = sd_notify(0, state) }

    package func ready(status: String) { notify("READY=1\nSTATUS=\(status)") }

    package func status(_ status: String) { notify("STATUS=\(status)") }

    package func watchdog() { notify("WATCHDOG=1") }

    /// RELOADING=1 with the CLOCK_MONOTONIC time systemd 253+ expects alongside it.
    package func reloading() { notify("RELOADING=1\nMONOTONIC_USEC=\(SystemClock.monotonicNs() / 1000)") }

    package func stopping() { notify("STOPPING=1\nSTATUS=stopping") }
}
