import Inventory

/// index-error: kept in memory first, because while the index cannot be written neither can its
/// alert. Sent when a scan fails, resolved by the next scan that succeeds.
package struct IndexHealth: Sendable {
    package private(set) var firing: AlertRecord?

    /// Picks up an index-error the previous run left firing.
    package init(_ inventory: Inventory) {
        firing = try? inventory.alerts(includeResolved: false).first { $0.type == AlertType.indexError.rawValue }
    }

    package mutating func failed(
        _ inventory: Inventory, database: String, reason: String, engine: AlertEngine, now: Int64
    ) {
        guard firing == nil else { return }
        let condition = AlertCondition(
            type: .indexError, subject: database, message: "The index \(database) could not be updated: \(reason)")
        let record = engine.record(from: condition, now: now)
        engine.sink.send(record, type: .indexError, state: .firing)
        firing = record
        try? inventory.saveAlerts([record])
    }

    package mutating func recovered(_ inventory: Inventory, engine: AlertEngine, now: Int64) {
        guard let old = firing else { return }
        let record = AlertEngine.resolved(old, type: .indexError, now: now)
        guard (try? inventory.saveAlerts([record])) != nil else { return }
        engine.sink.send(record, type: .indexError, state: .resolved)
        firing = nil
    }
}
