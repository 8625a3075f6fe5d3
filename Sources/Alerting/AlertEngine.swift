import Inventory

/// Turns what is true now into journal entries on transitions only: firing, resolved, and a
/// re-notify after `alerts.renotify`. State lives in the index, so a restart does not re-fire
/// what is already firing; at most `alerts.max_per_cycle` entries per cycle, then one summary.
package struct AlertEngine: Sendable {
    package var renotify: Int64
    package var maxPerCycle: Int
    package var sink: any AlertSink

    package init(renotify: Int64, maxPerCycle: Int, sink: any AlertSink) {
        self.renotify = renotify
        self.maxPerCycle = maxPerCycle
        self.sink = sink
    }

    /// - Parameters:
    ///   - conditions: the condition alerts that hold now, for the types in `evaluated`.
    ///   - evaluated: what the rule families that ran this cycle decide (only that can resolve).
    ///   - events: event alerts that just happened.
    /// - Returns: the journal entries sent (including a summary entry).
    @discardableResult
    package func cycle(
        inventory: Inventory, conditions: [AlertCondition], evaluated: Set<AlertScope>, events: [AlertCondition],
        now: Int64
    ) throws(InventoryError) -> Int {
        var existing: [String: AlertRecord] = [:]
        for record in try inventory.alerts(includeResolved: true) {
            existing[record.type + "\u{0}" + record.subject] = record
        }
        var changed: [AlertRecord] = []
        var outbox: [(AlertRecord, AlertType, AlertRecord.State)] = []
        var seen: Set<String> = []

        for c in conditions + events {
            let key = c.type.rawValue + "\u{0}" + c.subject
            seen.insert(key)
            var r = record(from: c, now: now)
            if let old = existing[key], old.state == .firing {
                r.firstFired = old.firstFired
                r.lastNotified = old.lastNotified
                r.count = c.type.isEvent ? old.count + c.occurrences : old.count
                if c.type.isSentEveryCycle || now - old.lastNotified >= renotify {
                    r.lastNotified = now
                    if !c.type.isEvent { r.count += 1 }
                    outbox.append((r, c.type, .firing))
                }
            } else {
                outbox.append((r, c.type, .firing))
            }
            changed.append(r)
        }
        for (key, old) in existing where old.state == .firing && !seen.contains(key) {
            guard let type = AlertType(rawValue: old.type) else { continue }
            let quietEvent = type.isEvent && now - old.lastSeen >= renotify
            guard quietEvent || (!type.isEvent && evaluated.covers(old, type: type)) else { continue }
            var r = old
            r.state = .resolved
            r.resolvedAt = now
            r.lastNotified = now
            changed.append(r)
            outbox.append((r, type, .resolved))
        }
        try inventory.saveAlerts(changed)
        for (r, type, state) in outbox.prefix(maxPerCycle) { sink.send(r, type: type, state: state) }
        if outbox.count > maxPerCycle { sink.sendSuppressed(outbox.count - maxPerCycle) }
        return min(outbox.count, maxPerCycle) + (outbox.count > maxPerCycle ? 1 : 0)
    }

    package func record(from c: AlertCondition, now: Int64) -> AlertRecord {
        AlertRecord(
            type: c.type.rawValue, subject: c.subject, state: .firing, namespace: c.namespace, pvc: c.pvc, pv: c.pv,
            path: c.volumePath, track: c.track, filePath: c.filePath,
            numbers: c.numbers.map { AlertRecord.Number($0.0, $0.1) }, message: c.message,
            priority: c.priority ?? c.type.priority, firstFired: now, lastNotified: now, lastSeen: now,
            count: c.type.isEvent ? c.occurrences : 1)
    }
}
