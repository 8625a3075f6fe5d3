import HostFS

/// A value of the `meta` table (key/value). The column is declared INTEGER, so SQLite keeps text
/// as text only when it does not read as a number: callers give text a shape that never does
/// (a path, a word, `sha256:<hex>`).
package enum MetaValue: Sendable, Equatable {
    case int(Int64)
    case text(String)

    package var int: Int64? {
        if case .int(let v) = self { return v }
        return nil
    }

    package var text: String? {
        if case .text(let s) = self { return s }
        return nil
    }
}

extension Inventory {
    /// Sets (or, for nil, removes) `meta` keys in one transaction: the daemon's heartbeat, a few
    /// small rows, cheap enough for every change batch.
    package func setMeta(_ values: [(key: String, value: MetaValue?)]) throws(InventoryError) {
        try guarded {
            let upsert = try db.prepare(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2")
            let delete = try db.prepare("DELETE FROM meta WHERE key = ?1")
            try db.transaction {
                for (key, value) in values {
                    switch value {
                    case .int(let v): try upsert.bind(.text(key), .int(v)).run()
                    case .text(let s): try upsert.bind(.text(key), .text(s)).run()
                    case nil: try delete.bind(.text(key)).run()
                    }
                }
            }
        }
    }

    /// Every `meta` key starting with `prefix`, with its value.
    package func meta(prefix: String) throws(InventoryError) -> [String: MetaValue] {
        try guarded {
            let s = try db.prepare(
                "SELECT key, value, typeof(value) FROM meta WHERE substr(key, 1, length(?1)) = ?1")
            s.bind(.text(prefix))
            var out: [String: MetaValue] = [:]
            while try s.step() {
                guard let key = s.text(0) else { continue }
                out[key] = s.text(2) == "integer" ? .int(s.int(1)) : .text(s.text(1) ?? "")
            }
            return out
        }
    }

    /// The index's bytes on disk: the database file and its write-ahead log.
    package var fileSizes: (database: Int64, wal: Int64) {
        (HostPath.stat(path)?.size ?? 0, HostPath.stat(path + "-wal")?.size ?? 0)
    }
}
