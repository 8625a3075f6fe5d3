/// A file copied out of a container's writable layer into the rescue area (migration 7).
package struct RescuedRecord: Sendable, Equatable {
    package var id: Int64 = 0
    package var snapshots: String
    package var snapshot: String
    package var containerID: String?
    package var podUID: String?
    package var pod: String?
    package var namespace: String?
    package var container: String?
    /// Inside the container, `/`-prefixed, raw bytes.
    package var containerPath: [UInt8]
    /// The copy's host path (in the rescue area it was made in), raw bytes.
    package var rescuedPath: [UInt8]
    package var generation: Int64
    /// The copy that follows its source now; an older generation (the source shrank or was
    /// replaced) or a copy whose source is gone is not.
    package var active: Bool
    package var bytes: Int64
    package var sha256: String
    /// `SHA256.resumable` after `bytes` bytes.
    package var hashState: [UInt8]
    package var tailOffset: Int64
    package var tailSHA256: [UInt8]
    package var sourceInode: UInt64
    package var sourceMtimeNs: Int64
    /// Unix seconds.
    package var firstCopied: Int64
    package var lastCopied: Int64
    package var sourceGoneAt: Int64?

    package init(
        snapshots: String, snapshot: String, containerID: String?, podUID: String?, pod: String?, namespace: String?,
        container: String?, containerPath: [UInt8], rescuedPath: [UInt8], generation: Int64, bytes: Int64,
        sha256: String, hashState: [UInt8], tailOffset: Int64, tailSHA256: [UInt8], sourceInode: UInt64,
        sourceMtimeNs: Int64, firstCopied: Int64
    ) {
        self.snapshots = snapshots
        self.snapshot = snapshot
        self.containerID = containerID
        self.podUID = podUID
        self.pod = pod
        self.namespace = namespace
        self.container = container
        self.containerPath = containerPath
        self.rescuedPath = rescuedPath
        self.generation = generation
        active = true
        self.bytes = bytes
        self.sha256 = sha256
        self.hashState = hashState
        self.tailOffset = tailOffset
        self.tailSHA256 = tailSHA256
        self.sourceInode = sourceInode
        self.sourceMtimeNs = sourceMtimeNs
        self.firstCopied = firstCopied
        lastCopied = firstCopied
    }
}

extension Inventory {
    private static let rescuedColumns = """
        id, snapshots, snapshot, container_id, pod_uid, pod, namespace, container, container_path, rescued_path,
        generation, active, bytes, sha256, hash_state, tail_offset, tail_sha256, source_inode, source_mtime_ns,
        first_copied, last_copied, source_gone_at
        """

    /// Every rescued copy, by rescued path (bytewise).
    package func rescued() throws(InventoryError) -> [RescuedRecord] {
        try guarded {
            let s = try db.prepare("SELECT \(Self.rescuedColumns) FROM rescued ORDER BY rescued_path")
            var out: [RescuedRecord] = []
            while try s.step() {
                var r = RescuedRecord(
                    snapshots: s.text(1) ?? "", snapshot: s.text(2) ?? "", containerID: s.text(3), podUID: s.text(4),
                    pod: s.text(5), namespace: s.text(6), container: s.text(7), containerPath: s.blob(8),
                    rescuedPath: s.blob(9), generation: s.int(10), bytes: s.int(12), sha256: s.text(13) ?? "",
                    hashState: s.blob(14), tailOffset: s.int(15), tailSHA256: s.blob(16),
                    sourceInode: UInt64(bitPattern: s.int(17)), sourceMtimeNs: s.int(18), firstCopied: s.int(19))
                r.id = s.int(0)
                r.active = s.int(11) != 0
                r.lastCopied = s.int(20)
                r.sourceGoneAt = s.optionalInt(21)
                out.append(r)
            }
            return out
        }
    }

    /// Inserts a new copy (`id` 0) or updates one; returns the row id.
    @discardableResult
    package func saveRescued(_ r: RescuedRecord) throws(InventoryError) -> Int64 {
        try guarded {
            let s = try db.prepare(
                """
                INSERT INTO rescued (\(Self.rescuedColumns))
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)
                ON CONFLICT (id) DO UPDATE SET
                    container_id = excluded.container_id, pod_uid = excluded.pod_uid, pod = excluded.pod,
                    namespace = excluded.namespace, container = excluded.container, active = excluded.active,
                    bytes = excluded.bytes, sha256 = excluded.sha256, hash_state = excluded.hash_state,
                    tail_offset = excluded.tail_offset, tail_sha256 = excluded.tail_sha256,
                    source_inode = excluded.source_inode, source_mtime_ns = excluded.source_mtime_ns,
                    last_copied = excluded.last_copied, source_gone_at = excluded.source_gone_at
                """)
            try s.bind(
                r.id == 0 ? .null : .int(r.id), .text(r.snapshots), .text(r.snapshot), .text(r.containerID),
                .text(r.podUID), .text(r.pod), .text(r.namespace), .text(r.container), .blob(r.containerPath),
                .blob(r.rescuedPath), .int(r.generation), .int(r.active ? 1 : 0), .int(r.bytes), .text(r.sha256),
                .blob(r.hashState), .int(r.tailOffset), .blob(r.tailSHA256), .int(Int64(bitPattern: r.sourceInode)),
                .int(r.sourceMtimeNs), .int(r.firstCopied), .int(r.lastCopied), .int(r.sourceGoneAt)
            ).run()
            return r.id == 0 ? try db.scalar("SELECT last_insert_rowid()") ?? 0 : r.id
        }
    }

    /// Forgets copies (after `rescue prune` removed their files).
    package func forgetRescued(_ ids: [Int64]) throws(InventoryError) {
        guard !ids.isEmpty else { return }
        try guarded {
            let s = try db.prepare("DELETE FROM rescued WHERE id = ?1")
            try db.transaction {
                for id in ids { try s.bind(.int(id)).run() }
            }
        }
    }
}
