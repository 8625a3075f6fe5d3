import Glibc

/// A bounded single-producer, single-consumer queue between the walker thread and the writer,
/// so the two cores work at once and memory stays bounded however large the tree.
final class BatchQueue: @unchecked Sendable {
    // @unchecked: every field is only touched with `mutex` held.
    private var mutex = pthread_mutex_t()
    private var changed = pthread_cond_t()
    private var items: [WalkItem] = []
    private var finished = false
    private var cancelled = false
    private var failure: (any Error & Sendable)?
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&changed, nil)
    }

    deinit {
        pthread_cond_destroy(&changed)
        pthread_mutex_destroy(&mutex)
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }

    /// Blocks while full. Returns false when the consumer gave up: stop producing.
    func push(_ item: WalkItem) -> Bool {
        locked {
            while items.count >= capacity && !cancelled { pthread_cond_wait(&changed, &mutex) }
            guard !cancelled else { return false }
            items.append(item)
            pthread_cond_broadcast(&changed)
            return true
        }
    }

    /// The producer is done, successfully or with `error`.
    func finish(error: (any Error & Sendable)? = nil) {
        locked {
            finished = true
            failure = error
            pthread_cond_broadcast(&changed)
        }
    }

    /// The consumer stops early; the producer's next push returns false.
    func cancel() {
        locked {
            cancelled = true
            pthread_cond_broadcast(&changed)
        }
    }

    /// Blocks until an item is available; nil at the end (then `producerError` says how it ended).
    func pop() -> WalkItem? {
        locked {
            while items.isEmpty && !finished { pthread_cond_wait(&changed, &mutex) }
            guard !items.isEmpty else { return nil }
            // The queue is a few items deep; removing from the front drops the batch's memory now.
            let item = items.removeFirst()
            pthread_cond_broadcast(&changed)
            return item
        }
    }

    var producerError: (any Error & Sendable)? { locked { failure } }
}

/// A joinable POSIX thread running `body`.
struct WorkerThread {
    private var thread = pthread_t()

    init(_ body: @escaping @Sendable () -> Void) {
        final class Box: @unchecked Sendable {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                box.body()
                return nil
            }, context)
        precondition(rc == 0, "pthread_create failed: \(rc)")
    }

    func join() { pthread_join(thread, nil) }
}
