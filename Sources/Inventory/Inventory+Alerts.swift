/// One alert's state as the index keeps it. The index stores alerts; what they mean and where
/// they are sent is the executable's business.
package struct AlertRecord: Sendable, Equatable {
    package var type: String
    package var subject: String
    package var state: State
    package var namespace: String?
    package var pvc: String?
    package var pv: String?
    package var path: String?
    package var track: String?
    package var filePath: String?
    /// Journal number fields in order, e.g. BYTES, FILES.
    package var numbers: [Number]
    package var message: String
    package var priority: Int
    package var firstFired: Int64
    package var lastNotified: Int64
    package var lastSeen: Int64
    package var resolvedAt: Int64?
    package var count: Int64

    /// firing or resolved: the two values of STORAGE_AGENT_STATE.
    package enum State: String, Sendable {
        case firing, resolved
    }

    package struct Number: Sendable, Equatable {
        package var name: String
        package var value: Int64

        package init(_ name: String, _ value: Int64) {
            self.name = name
            self.value = value
        }
    }

    package init(
        type: String, subject: String, state: State, namespace: String? = nil, pvc: String? = nil, pv: String? = nil,
        path: String? = nil, track: String? = nil, filePath: String? = nil, numbers: [Number] = [], message: String,
        priority: Int, firstFired: Int64, lastNotified: Int64, lastSeen: Int64, resolvedAt: Int64? = nil, count: Int64
    ) {
        self.type = type
        self.subject = subject
        self.state = state
        self.namespace = namespace
        self.pvc = pvc
        self.pv = pv
        self.path = path
        self.track = track
        self.filePath = filePath
        self.numbers = numbers
        self.message = message
        self.priority = priority
        self.firstFired = firstFired
        self.lastNotified = lastNotified
        self.lastSeen = lastSeen
        self.resolvedAt = resolvedAt
        self.count = count
    }
}

extension Inventory {
    /// Alerts, firing first, then by type and subject; resolved ones only when asked.
    package func alerts(includeResolved: Bool) throws(InventoryError) -> [AlertRecord] {
        try guarded {
            let s = try db.prepare(
                """
                SELECT type, subject, state, namespace, pvc, pv, path, track, file_path, numbers, message, priority,
                       first_fired, last_notified, last_seen, resolved_at, count
                FROM alerts \(includeResolved ? "" : "WHERE state = 'firing'")
                ORDER BY state = 'resolved', type, subject
                """)
            var out: [AlertRecord] = []
            while try s.step() {
                out.append(
                    AlertRecord(
                        type: s.text(0) ?? "", subject: s.text(1) ?? "",
                        state: AlertRecord.State(rawValue: s.text(2) ?? "") ?? .resolved, namespace: s.text(3),
                        pvc: s.text(4), pv: s.text(5), path: s.text(6), track: s.text(7), filePath: s.text(8),
                        numbers: Self.decodeNumbers(s.text(9) ?? ""), message: s.text(10) ?? "",
                        priority: Int(s.int(11)), firstFired: s.int(12), lastNotified: s.int(13), lastSeen: s.int(14),
                        resolvedAt: s.optionalInt(15), count: s.int(16)))
            }
            return out
        }
    }

    /// Writes alert states (insert or replace by type and subject) in one transaction.
    package func saveAlerts(_ records: [AlertRecord]) throws(InventoryError) {
        guard !records.isEmpty else { return }
        try guarded {
            let s = try db.prepare(
                """
                INSERT INTO alerts (type, subject, state, namespace, pvc, pv, path, track, file_path, numbers, message,
                    priority, first_fired, last_notified, last_seen, resolved_at, count)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
                ON CONFLICT (type, subject) DO UPDATE SET state = excluded.state, namespace = excluded.namespace,
                    pvc = excluded.pvc, pv = excluded.pv, path = excluded.path, track = excluded.track,
                    file_path = excluded.file_path, numbers = excluded.numbers, message = excluded.message,
                    priority = excluded.priority, first_fired = excluded.first_fired,
                    last_notified = excluded.last_notified, last_seen = excluded.last_seen,
                    resolved_at = excluded.resolved_at, count = excluded.count
                """)
            try db.transaction {
                for r in records {
                    try s.bind(
                        .text(r.type), .text(r.subject), .text(r.state.rawValue), .text(r.namespace), .text(r.pvc),
                        .text(r.pv),
                        .text(r.path), .text(r.track), .text(r.filePath), .text(Self.encodeNumbers(r.numbers)),
                        .text(r.message), .int(r.priority), .int(r.firstFired), .int(r.lastNotified), .int(r.lastSeen),
                        .int(r.resolvedAt), .int(r.count)
                    ).run()
                }
            }
        }
    }

    /// The newest mtime of a live file per volume and track. It aggregates over every file (0.75 s
    /// at 1M files), so the answer is kept while no scan wrote a file row and no other connection
    /// committed: an idle daemon's 30 s tick costs nothing.
    package func trackLastWrites() throws(InventoryError) -> [(volumeID: Int64, track: String, lastWriteNs: Int64)] {
        try guarded {
            let stamp = try filesStamp()
            if let cache = lastWritesCache, cache.stamp == stamp { return cache.rows }
            let s = try db.prepare(
                """
                SELECT volume_id, track, max(mtime_ns) FROM files
                WHERE deleted_at IS NULL AND track IS NOT NULL GROUP BY volume_id, track
                """)
            var out: [(Int64, String, Int64)] = []
            while try s.step() { out.append((s.int(0), s.text(1) ?? "", s.int(2))) }
            lastWritesCache = (stamp, out)
            return out
        }
    }

    static func encodeNumbers(_ numbers: [AlertRecord.Number]) -> String {
        numbers.map { "\($0.name)=\($0.value)" }.joined(separator: ";")
    }

    static func decodeNumbers(_ text: String) -> [AlertRecord.Number] {
        text.split(separator: ";").compactMap { pair in
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, let v = Int64(kv[1]) else { return nil }
            return AlertRecord.Number(String(kv[0]), v)
        }
    }
}
