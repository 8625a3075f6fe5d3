import Journal
import Testing

/// The rule that feeds systemd's watchdog (issue 12, item 9): on time while the walker moves,
/// never while it is stuck, always from the idle loop. Times are given, not waited for.
@Suite struct WatchdogFeedTests {
    static let second: Int64 = 1_000_000_000

    @Test func aMovingWorkerFeedsTheWatchdogEveryIntervalHoweverLongItsFileTakes() {
        var feed = WatchdogFeed(intervalNs: 30 * Self.second, now: 0)
        var steps: UInt64 = 0
        var sent = 0
        // Ten minutes in one huge file, one MiB step every 2 s, asked every second.
        for t in 1...600 {
            if t % 2 == 0 { steps += 1 }
            if feed.decide(now: Int64(t) * Self.second, steps: steps, busy: true) == .send { sent += 1 }
        }
        #expect(sent == 20)
    }

    @Test func aStuckWorkerStopsFeedingItAndSaysForHowLong() {
        var feed = WatchdogFeed(intervalNs: 30 * Self.second, now: 0)
        #expect(feed.decide(now: 10 * Self.second, steps: 5, busy: true) == .wait)
        #expect(feed.decide(now: 30 * Self.second, steps: 6, busy: true) == .send)
        // Stuck at step 7 from t = 40 s on.
        #expect(feed.decide(now: 40 * Self.second, steps: 7, busy: true) == .wait)
        #expect(feed.decide(now: 60 * Self.second, steps: 7, busy: true) == .send, "moved since the last one")
        #expect(feed.decide(now: 90 * Self.second, steps: 7, busy: true) == .withhold(stalledNs: 50 * Self.second))
        #expect(feed.decide(now: 120 * Self.second, steps: 7, busy: true) == .withhold(stalledNs: 80 * Self.second))
        #expect(feed.decide(now: 121 * Self.second, steps: 8, busy: true) == .send, "it moves again")
    }

    @Test func theIdleLoopFeedsItWhenDueWhateverTheCounterSays() {
        var feed = WatchdogFeed(intervalNs: 30 * Self.second, now: 0)
        #expect(feed.decide(now: 29 * Self.second, steps: 0, busy: false) == .wait)
        #expect(feed.decide(now: 30 * Self.second, steps: 0, busy: false) == .send)
        #expect(feed.decide(now: 60 * Self.second, steps: 0, busy: false) == .send)
        // A scan starts and its walker never takes a step.
        #expect(feed.decide(now: 90 * Self.second, steps: 0, busy: true) == .withhold(stalledNs: 30 * Self.second))
    }
}
