import Inventory

/// Where alert transitions go: the journal in the daemon, a recording sink in tests.
package protocol AlertSink: Sendable {
    func send(_ record: AlertRecord, type: AlertType, state: AlertRecord.State)
    func sendSuppressed(_ count: Int)
}
