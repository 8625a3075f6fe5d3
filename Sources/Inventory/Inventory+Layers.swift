/// A container's writable layer as the index remembers it from while the container ran.
package struct RememberedLayer: Sendable, Equatable {
    /// `<n>` of `<snapshots>/<n>/fs`: digits only.
    package var snapshot: String
    package var containerID: String?
    package var podUID: String?
    package var pod: String?
    package var namespace: String?
    package var container: String?
    /// Unix seconds.
    package var firstSeen: Int64 = 0
    package var lastLive: Int64 = 0

    package init(
        snapshot: String, containerID: String? = nil, podUID: String? = nil, pod: String? = nil,
        namespace: String? = nil, container: String? = nil, firstSeen: Int64 = 0, lastLive: Int64 = 0
    ) {
        self.snapshot = snapshot
        self.containerID = containerID
        self.podUID = podUID
        self.pod = pod
        self.namespace = namespace
        self.container = container
        self.firstSeen = firstSeen
        self.lastLive = lastLive
    }
}

/// Containers' writable layers, remembered while they run (migration 5).
extension Inventory {
    /// Records live layers of the snapshots directory `snapshots` at `now` (unix seconds). A name
    /// known before is kept when this sighting does not know it (the container's process is gone
    /// while its task still holds the mount).
    package func rememberLayers(_ layers: [RememberedLayer], snapshots: String, now: Int64) throws(InventoryError) {
        try guarded {
            let s = try db.prepare(
                """
                INSERT INTO container_layers (snapshots, snapshot, container_id, pod_uid, pod, namespace, container,
                                              first_seen, last_live)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
                ON CONFLICT (snapshots, snapshot) DO UPDATE SET
                    container_id = coalesce(excluded.container_id, container_id),
                    pod_uid = coalesce(excluded.pod_uid, pod_uid), pod = coalesce(excluded.pod, pod),
                    namespace = coalesce(excluded.namespace, namespace),
                    container = coalesce(excluded.container, container), last_live = excluded.last_live
                """)
            try db.transaction {
                for l in layers {
                    try s.bind(
                        .text(snapshots), .text(l.snapshot), .text(l.containerID), .text(l.podUID), .text(l.pod),
                        .text(l.namespace), .text(l.container), .int(now)
                    ).run()
                }
            }
        }
    }

    /// The layers remembered in `snapshots`, by snapshot number.
    package func rememberedLayers(snapshots: String) throws(InventoryError) -> [RememberedLayer] {
        try guarded {
            let s = try db.prepare(
                """
                SELECT snapshot, container_id, pod_uid, pod, namespace, container, first_seen, last_live
                FROM container_layers WHERE snapshots = ?1 ORDER BY length(snapshot), snapshot
                """)
            s.bind(.text(snapshots))
            var out: [RememberedLayer] = []
            while try s.step() {
                out.append(
                    RememberedLayer(
                        snapshot: s.text(0) ?? "", containerID: s.text(1), podUID: s.text(2), pod: s.text(3),
                        namespace: s.text(4), container: s.text(5), firstSeen: s.int(6), lastLive: s.int(7)))
            }
            return out
        }
    }

    /// Forgets layers of `snapshots` whose directory is gone.
    package func forgetLayers(_ numbers: [String], snapshots: String) throws(InventoryError) {
        guard !numbers.isEmpty else { return }
        try guarded {
            let s = try db.prepare("DELETE FROM container_layers WHERE snapshots = ?1 AND snapshot = ?2")
            try db.transaction {
                for n in numbers { try s.bind(.text(snapshots), .text(n)).run() }
            }
        }
    }
}
