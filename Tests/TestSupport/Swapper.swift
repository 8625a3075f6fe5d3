import Foundation
import Synchronization

/// A thread that repeats `step` (an attacker's swap: a directory for a symlink, a name for a hard
/// link) as fast as it can while a test runs the code under attack, and counts its rounds: races
/// are counted, not timed, so a loaded machine runs them as long as it takes.
package final class Swapper: Sendable {
    private let stopping = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    private let rounds = Atomic<Int>(0)
    private let step: @Sendable (Int) -> Void

    /// `step` gets the round's number.
    package init(_ step: @escaping @Sendable (Int) -> Void) { self.step = step }

    package var swaps: Int { rounds.load(ordering: .relaxed) }

    package func start() {
        Thread { [self] in
            while !stopping.load(ordering: .relaxed) {
                step(rounds.load(ordering: .relaxed))
                rounds.wrappingAdd(1, ordering: .relaxed)
            }
            finished.store(true, ordering: .relaxed)
        }.start()
    }

    /// Ends the thread and waits for it.
    package func stop() {
        stopping.store(true, ordering: .relaxed)
        while !finished.load(ordering: .relaxed) { usleep(1000) }
    }

    /// Runs `attacked` at least `least` times and on until `swaps` rounds ran alongside it
    /// (at most `most` times); returns how many times it ran.
    @discardableResult
    package func race(least: Int = 200, swaps wanted: Int = 1000, most: Int = 100_000, _ attacked: () throws -> Void)
        rethrows -> Int
    {
        start()
        defer { stop() }
        var runs = 0
        while runs < least || (swaps <= wanted && runs < most) {
            try attacked()
            runs += 1
        }
        return runs
    }
}
