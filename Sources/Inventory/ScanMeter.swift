import Synchronization

/// How far a scan has got, moved by the walker thread and read by whoever shows it (the command
/// line's progress line): volumes done of the total, and files looked at.
package final class ScanMeter: Sendable {
    private let total = Atomic<Int>(0)
    private let done = Atomic<Int>(0)
    private let seen = Atomic<Int>(0)

    package init() {}

    package var volumesTotal: Int { total.load(ordering: .relaxed) }
    package var volumesDone: Int { done.load(ordering: .relaxed) }
    /// Indexed-kind files looked at (directories found unchanged are not listed, so not counted).
    package var files: Int { seen.load(ordering: .relaxed) }

    func start(volumes: Int) {
        total.store(volumes, ordering: .relaxed)
        done.store(0, ordering: .relaxed)
    }

    func volumeDone() { done.add(1, ordering: .relaxed) }
    func file() { seen.add(1, ordering: .relaxed) }
}
