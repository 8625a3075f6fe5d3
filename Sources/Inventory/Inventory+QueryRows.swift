import CSQLite
import HostFS
import PVCResolver

extension FileRecord {
    /// `records` bytewise by host path (memcmp order, shorter first), ties in their given order.
    /// The paths are compared in one buffer and each record is moved once: sorting the records
    /// themselves copied and retained every one at each merge step (a third of `query --json`).
    static func sortedByPath(_ records: [FileRecord]) -> [FileRecord] {
        var arena: [UInt8] = []
        arena.reserveCapacity(records.reduce(0) { $0 + $1.pathBytes.count })
        var spans: [(start: Int, count: Int)] = []
        spans.reserveCapacity(records.count)
        for r in records {
            spans.append((arena.count, r.pathBytes.count))
            arena += r.pathBytes
        }
        var order = Array(records.indices)
        arena.withUnsafeBytes { base in
            func path(_ i: Int) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(rebasing: base[spans[i].start..<(spans[i].start + spans[i].count)])
            }
            order.sort { a, b in
                let pa = path(a)
                let pb = path(b)
                if RawName.precedes(pa, pb) { return true }
                return !RawName.precedes(pb, pa) && a < b
            }
        }
        return order.map { records[$0] }
    }
}

/// The files of a query as `query --json` prints them, without a `FileRecord` per file: every
/// row's host path and texts lie back to back in one buffer, rows are plain values (no
/// reference counting), and they are sorted by host path through an index. At 7,000 rows the
/// records' allocations, copies and releases were most of the command's time.
package struct FileRows {
    /// A part of `bytes`: its start and length; length -1 is SQL NULL.
    package typealias Span = (start: Int, count: Int)

    package struct Row {
        package var path: Span
        package var kind: Span
        package var track: Span
        package var date: Span
        /// Index into `volumes`; -1 when the volume row is missing.
        package var volume: Int32
        package var hour: Int16
        package var deleted: Bool
        package var size: Int64
        package var lines: Int64
        package var mtimeNs: Int64
        package var uid: UInt32
        package var gid: UInt32
    }

    package var bytes: [UInt8] = []
    /// In host-path order (bytewise, as `files` sorts).
    package var rows: [Row] = []
    package var volumes: [VolumeRecord] = []

    /// The bytes of `span`, or nil for NULL.
    package func withBytes<T>(_ span: Span, _ body: (UnsafeBufferPointer<UInt8>?) -> T) -> T {
        guard span.count >= 0 else { return body(nil) }
        return bytes.withUnsafeBufferPointer { all in
            body(UnsafeBufferPointer(rebasing: all[span.start..<(span.start + span.count)]))
        }
    }
}

extension Inventory {
    /// The files `filter` selects, sorted by host path: the same files, in the same order, with
    /// the same values as `files(_:)`.
    package func fileRows(_ filter: FileFilter) throws(InventoryError) -> FileRows {
        let (sql, values) = Self.fileSelect(filter)
        return try guarded {
            var out = FileRows()
            out.volumes = try self.volumes(includeGone: true)
            var volumeIndex: [Int64: Int32] = [:]
            for (i, v) in out.volumes.enumerated() { volumeIndex[v.id] = Int32(i) }
            let volumePaths = out.volumes.map { Array($0.path.utf8) }
            let directories = try DirectoryPaths(db)
            let s = try db.prepare(sql)
            for (i, v) in values.enumerated() { s.bind(v, at: Int32(i + 1)) }
            var rows: [FileRows.Row] = []
            while try s.step() {
                guard let directory = try directories.path(s.int(0)) else { continue }
                let volume = volumeIndex[s.int(2)] ?? -1
                let start = out.bytes.count
                if volume >= 0 { out.bytes += volumePaths[Int(volume)] }
                out.bytes.append(0x2F)
                if !directory.isEmpty {
                    out.bytes += directory
                    out.bytes.append(0x2F)
                }
                s.appendBlob(1, to: &out.bytes)
                let path = (start, out.bytes.count - start)
                rows.append(
                    FileRows.Row(
                        path: path, kind: s.appendText(3, to: &out.bytes), track: s.appendText(4, to: &out.bytes),
                        date: s.appendText(5, to: &out.bytes), volume: volume,
                        hour: s.optionalInt(6).map { Int16(truncatingIfNeeded: $0) } ?? -1,
                        deleted: s.optionalInt(12) != nil, size: s.int(7), lines: s.int(8), mtimeNs: s.int(9),
                        uid: UInt32(truncatingIfNeeded: s.int(10)), gid: UInt32(truncatingIfNeeded: s.int(11))))
            }
            out.bytes.withUnsafeBytes { base in
                func path(_ r: FileRows.Row) -> UnsafeRawBufferPointer {
                    UnsafeRawBufferPointer(rebasing: base[r.path.start..<(r.path.start + r.path.count)])
                }
                // Ties (never, paths are unique) keep the order of the rows, as a stable sort.
                var order = Array(rows.indices)
                order.sort { a, b in
                    let pa = path(rows[a])
                    let pb = path(rows[b])
                    if RawName.precedes(pa, pb) { return true }
                    return !RawName.precedes(pb, pa) && a < b
                }
                out.rows = order.map { rows[$0] }
            }
            return out
        }
    }

    /// The WHERE terms of `filter` and their values, for `files` and `fileRows`.
    /// The one SELECT behind `files(_:)` and `fileRows(_:)`: the columns both read, in order.
    static func fileSelect(_ filter: FileFilter) -> (sql: String, values: [SQLValue]) {
        let (conditions, values) = Self.conditions(filter)
        let sql = """
            SELECT f.dir_id, f.name, f.volume_id, f.kind, f.track, f.date, f.hour, f.size, f.lines, f.mtime_ns, f.uid,
                   f.gid, f.deleted_at
            FROM files f JOIN volumes v ON v.id = f.volume_id
            """ + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
        return (sql, values)
    }

    static func conditions(_ filter: FileFilter) -> (terms: [String], values: [SQLValue]) {
        var conditions: [String] = []
        var values: [SQLValue] = []
        func add(_ column: String, _ value: String?, _ op: String = "=") {
            guard let value else { return }
            values.append(.text(value))
            conditions.append("\(column) \(op) ?\(values.count)")
        }
        add("f.track", filter.track)
        add("f.date", filter.date)
        // Dates are YYYYMMDD text: their order is the calendar's.
        add("f.date", filter.since, ">=")
        add("f.date", filter.until, "<=")
        add("v.namespace", filter.namespace)
        add("v.pvc", filter.pvc)
        add("v.pv", filter.pv)
        add("f.kind", filter.kind)
        if !filter.includeDeleted { conditions.append("f.deleted_at IS NULL") }
        return (conditions, values)
    }
}

extension Statement {
    /// Appends a blob column's bytes to `out` with no array of its own.
    func appendBlob(_ column: Int32, to out: inout [UInt8]) {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let p = sqlite3_column_blob(handle, column) else { return }
        out.append(contentsOf: UnsafeRawBufferPointer(start: p, count: count))
    }

    /// Appends a text column's bytes to `out` up to its first NUL, as `text` reads it; nil is -1.
    func appendText(_ column: Int32, to out: inout [UInt8]) -> FileRows.Span {
        guard let p = sqlite3_column_text(handle, column) else { return (0, -1) }
        let start = out.count
        var count = 0
        while p[count] != 0 { count += 1 }
        out.append(contentsOf: UnsafeBufferPointer(start: p, count: count))
        return (start, count)
    }
}
