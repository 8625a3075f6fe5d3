internal import Glibc

/// A mutex with a condition variable (pthread_mutex_t and pthread_cond_t), in allocated storage
/// so their addresses never move: a `pthread_mutex_t` stored property passed as `&mutex` is
/// not guaranteed a stable address. The model is swift-nio's NIOConcurrencyHelpers `ConditionLock`.
package final class ConditionLock: @unchecked Sendable {
    // @unchecked: the pthread objects are what makes it safe to share.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    /// pthread_mutex_init(3) and pthread_cond_init(3).
    package init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        condition.initialize(to: pthread_cond_t())
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
        precondition(pthread_cond_init(condition, nil) == 0, "pthread_cond_init failed")
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// pthread_mutex_lock(3) around `body`.
    package func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// pthread_cond_wait(3): with the lock held, sleeps until `broadcast()`, then holds it again.
    package func wait() { pthread_cond_wait(condition, mutex) }

    /// pthread_cond_timedwait(3): like `wait()`, but for at most `timeoutNs`; false when the time
    /// ran out (spurious wake-ups return true: callers re-check their condition either way).
    package func wait(timeoutNs: Int64) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let total = Int64(now.tv_nsec) + timeoutNs % 1_000_000_000
        var deadline = timespec(
            tv_sec: now.tv_sec + Int(timeoutNs / 1_000_000_000) + Int(total / 1_000_000_000),
            tv_nsec: Int(total % 1_000_000_000))
        return pthread_cond_timedwait(condition, mutex, &deadline) != ETIMEDOUT
    }

    /// pthread_cond_broadcast(3): wakes every waiter.
    package func broadcast() { pthread_cond_broadcast(condition) }
}

/// A joinable POSIX thread running `body`; pthread_create(3).
package struct WorkerThread {
    private let thread: pthread_t

    package init(_ body: @escaping @Sendable () -> Void) {
        final class Box: @unchecked Sendable {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                box.body()
                return nil
            }, context)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        self.thread = thread
    }

    /// pthread_join(3).
    package func join() { pthread_join(thread, nil) }
}
