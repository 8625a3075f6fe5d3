import Alerting
import Foundation
import Inventory

/// An `AlertSink` that keeps what it was sent, in order, for tests to read back: the in-memory
/// twin of the journal sink, as swift-log's InMemoryLogHandler is of a real handler.
package final class RecordingSink: AlertSink, @unchecked Sendable {
    /// One journal entry the engine sent.
    package struct Entry: Sendable, Equatable {
        package var record: AlertRecord
        package var type: AlertType
        package var state: AlertRecord.State
    }

    private let lock = NSLock()
    private var sent: [Entry] = []
    private var summaries: [Int] = []

    package init() {}

    package func send(_ record: AlertRecord, type: AlertType, state: AlertRecord.State) {
        lock.withLock { sent.append(Entry(record: record, type: type, state: state)) }
    }

    package func sendSuppressed(_ count: Int) {
        lock.withLock { summaries.append(count) }
    }

    /// Every entry sent so far, oldest first.
    package var entries: [Entry] { lock.withLock { sent } }

    /// The counts of the `alerts-suppressed` summaries sent so far.
    package var suppressed: [Int] { lock.withLock { summaries } }

    /// The entries sent so far, forgetting them (and the summaries): what the next cycle sends
    /// is then all `entries` holds.
    @discardableResult
    package func take() -> [Entry] {
        lock.withLock {
            defer {
                sent = []
                summaries = []
            }
            return sent
        }
    }

    /// Entries of one type (and state, when given).
    package func entries(_ type: AlertType, _ state: AlertRecord.State? = nil) -> [Entry] {
        entries.filter { $0.type == type && (state == nil || $0.state == state) }
    }
}
