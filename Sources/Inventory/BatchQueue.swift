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

    /// Blocks until an item is available; nil at the end (then `producerError` says how it ended).
    func pop() -> WalkItem? {
        lock.withLock {
            while items.isEmpty && !finished { lock.wait() }
            guard !items.isEmpty else { return nil }
            // The queue is a few items deep; removing from the front drops the batch's memory now.
            let item = items.removeFirst()
            lock.broadcast()
            return item
        }
    }

    var producerError: (any Error & Sendable)? { lock.withLock { failure } }
}
