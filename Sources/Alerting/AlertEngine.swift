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
    ///   - resolvedMessages: what a resolved entry says, by `key(type, subject)`, where a rule
    ///     family knows more than `AlertType.resolvedMessage`.
    /// - Returns: the journal entries sent (including a summary entry).
    @discardableResult
    package func cycle(
        inventory: Inventory, conditions: [AlertCondition], evaluated: Set<AlertScope>, events: [AlertCondition],
        resolvedMessages: [String: String] = [:], now: Int64
    ) throws(InventoryError) -> Int {
        var existing: [String: AlertRecord] = [:]
        for record in try inventory.alerts(includeResolved: true) {
            existing[Self.key(record.type, record.subject)] = record
        }
        var changed: [AlertRecord] = []
        var outbox: [(AlertRecord, AlertType, AlertRecord.State)] = []
        var seen: Set<String> = []

        for c in conditions + events {
            let key = Self.key(c.type.rawValue, c.subject)
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
            let r = Self.resolved(old, type: type, message: resolvedMessages[key], now: now)
            changed.append(r)
            outbox.append((r, type, .resolved))
        }
        try inventory.saveAlerts(changed)
        for (r, type, state) in outbox.prefix(maxPerCycle) { sink.send(r, type: type, state: state) }
        if outbox.count > maxPerCycle { sink.sendSuppressed(outbox.count - maxPerCycle) }
        return min(outbox.count, maxPerCycle) + (outbox.count > maxPerCycle ? 1 : 0)
    }

    /// The key of an alert in `resolvedMessages`: its type and subject.
    package static func key(_ type: String, _ subject: String) -> String { type + "\u{0}" + subject }

    /// `old` resolved at `now`, saying what recovered (never the failure's words).
    package static func resolved(_ old: AlertRecord, type: AlertType, message: String? = nil, now: Int64)
        -> AlertRecord
    {
        var r = old
        r.state = .resolved
        r.resolvedAt = now
        r.lastNotified = now
        r.message = message ?? type.resolvedMessage(old)
        return r
    }

    /// A fix made by hand (`fix-ownership`, `links --apply`): the firing alerts among `keys` are
    /// resolved now, recorded so in the index and sent, so the daemon neither keeps them firing
    /// until its next reconcile nor sends them again. Alerts not firing are left alone.
    /// - Returns: the alerts resolved.
    @discardableResult
    package static func resolve(
        _ inventory: Inventory, _ keys: [(type: AlertType, subject: String, message: String?)], sink: any AlertSink,
        now: Int64
    ) throws(InventoryError) -> [AlertRecord] {
        guard !keys.isEmpty else { return [] }
        var firing: [String: AlertRecord] = [:]
        for r in try inventory.alerts(includeResolved: false) { firing[key(r.type, r.subject)] = r }
        var out: [AlertRecord] = []
        for k in keys {
            guard let old = firing.removeValue(forKey: key(k.type.rawValue, k.subject)) else { continue }
            out.append(resolved(old, type: k.type, message: k.message, now: now))
        }
        try inventory.saveAlerts(out)
        for r in out { sink.send(r, type: AlertType(rawValue: r.type)!, state: .resolved) }
        return out
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
