import HostFS

/// A bounded single-producer, single-consumer queue between the walker thread and the writer,
/// so the two cores work at once and memory stays bounded however large the tree.
final class BatchQueue: @unchecked Sendable {
    // @unchecked: every field below is only touched with `lock` held.
    private let lock = ConditionLock()
    private var items: [WalkItem] = []
    private var finished = false
    private var cancelled = false
    private var failure: (any Error & Sendable)?
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Blocks while full. Returns false when the consumer gave up: stop producing.
    func push(_ item: WalkItem) -> Bool {
        lock.withLock {
            while items.count >= capacity && !cancelled { lock.wait() }
            guard !cancelled else { return false }
            items.append(item)
            lock.broadcast()
            return true
        }
    }

    /// The producer is done, successfully or with `error`.
    func finish(error: (any Error & Sendable)? = nil) {
        lock.withLock {
            finished = true
            failure = error
            lock.broadcast()
        }
    }

    /// The consumer stops early; the producer's next push returns false.
    func cancel() {
        lock.withLock {
            cancelled = true
            lock.broadcast()
        }
    }

    /// What `pop(waitingAtMostNs:)` found.
    enum Next {
        case item(WalkItem)
        /// Nothing came within the wait: the producer is still at it (or stuck).
        case waiting
        case end
    }

    /// The next item, waiting at most `timeoutNs` for one, so the consumer's thread can do other
    /// things (feed a watchdog, read signals) while the producer works on one large file. The
    /// queue is a few items deep; removing from the front drops the batch's memory now.
    func pop(waitingAtMostNs timeoutNs: Int64) -> Next {
        lock.withLock {
            if items.isEmpty && !finished { _ = lock.wait(timeoutNs: timeoutNs) }
            if items.isEmpty { return finished ? .end : .waiting }
            let item = items.removeFirst()
            lock.broadcast()
            return .item(item)
        }
    }

    var producerError: (any Error & Sendable)? { lock.withLock { failure } }
}
