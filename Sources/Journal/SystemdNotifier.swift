import CSystemd
import HostFS

/// The sd_notify(3) protocol: READY, STATUS, WATCHDOG, RELOADING, STOPPING. Without
/// NOTIFY_SOCKET (not under systemd) every call is a no-op.
package struct SystemdNotifier {
    /// Half of WATCHDOG_USEC, in nanoseconds, when systemd asked for keep-alives (WatchdogSec=).
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

/// When to send WATCHDOG=1: at most every `intervalNs` (half of WATCHDOG_USEC), and while a
/// worker is busy only if its progress counter moved since the last one. A worker stuck in one
/// read stops feeding the watchdog, and systemd restarts the service; a worker slowly getting
/// through a huge file keeps feeding it, however long the file takes.
package struct WatchdogFeed: Sendable {
    package enum Decision: Equatable {
        /// Not due yet.
        case wait
        case send
        /// Due, but the busy worker did not move since the last WATCHDOG=1 (for that long).
        case withhold(stalledNs: Int64)
    }

    package let intervalNs: Int64
    package private(set) var lastSentNs: Int64
    /// The worker's steps when WATCHDOG=1 was last sent, and when they last changed.
    private var stepsAtSend: UInt64?
    private var lastSeenSteps: UInt64?
    private var lastMovedNs: Int64

    package init(intervalNs: Int64, now: Int64) {
        self.intervalNs = intervalNs
        lastSentNs = now
        lastMovedNs = now
    }

    /// At `now`, with the worker's `steps` so far and whether it is `busy` (a scan runs): idle, the
    /// loop that asks is itself the progress.
    package mutating func decide(now: Int64, steps: UInt64, busy: Bool) -> Decision {
        if steps != lastSeenSteps || !busy {
            lastSeenSteps = steps
            lastMovedNs = now
        }
        guard now - lastSentNs >= intervalNs else { return .wait }
        if busy && steps == stepsAtSend { return .withhold(stalledNs: now - lastMovedNs) }
        stepsAtSend = steps
        lastSentNs = now
        return .send
    }
}
