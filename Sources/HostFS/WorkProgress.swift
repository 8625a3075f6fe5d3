import Synchronization

/// A counter a worker thread moves as it gets work done (a file looked at, a MiB read), read by
/// another thread to tell slow work from stuck work: the daemon feeds systemd's watchdog only
/// while it moves.
package final class WorkProgress: Sendable {
    private let count = Atomic<UInt64>(0)

    package init() {}

    /// One more step done.
    package func step() { count.add(1, ordering: .relaxed) }

    /// Steps done so far.
    package var steps: UInt64 { count.load(ordering: .relaxed) }
}
