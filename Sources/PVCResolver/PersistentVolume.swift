import Glibc

/// The parts of a PV object the agent needs (`kubectl get pv -o json`).
package struct PersistentVolume: Sendable, Equatable {
    package var name: String
    /// `spec.local.path` (k3s default since 2024) or `spec.hostPath.path` (upstream default).
    package var path: String
    package var claimNamespace: String?
    package var claimName: String?
    package var capacity: Int64?
    package var createdNs: Int64?
    package var node: String?

    package init(
        name: String, path: String, claimNamespace: String?, claimName: String?, capacity: Int64?,
        createdNs: Int64?, node: String?
    ) {
        self.name = name
        self.path = path
        self.claimNamespace = claimNamespace
        self.claimName = claimName
        self.capacity = capacity
        self.createdNs = createdNs
        self.node = node
    }

    /// Parses a `v1/List` of PVs (or a single PV). PVs with neither a local nor a hostPath
    /// source (CSI, NFS, ...) are skipped: they have no directory on this node to index.
    package static func parseList<C: Collection<UInt8>>(_ bytes: C) throws(JSONError) -> [PersistentVolume] {
        let root = try JSON.parse(bytes)
        let items = root["items"]?.array ?? (root["kind"]?.string == "PersistentVolume" ? [root] : nil)
        guard let items else { throw JSONError(offset: 0, reason: "no \"items\" array: not a PV list") }
        return items.compactMap(PersistentVolume.init(json:))
    }

    init?(json: JSON) {
        guard let name = json["metadata"]?["name"]?.string, let spec = json["spec"],
            let path = spec["local"]?["path"]?.string ?? spec["hostPath"]?["path"]?.string, path.hasPrefix("/")
        else { return nil }
        self.name = name
        self.path = path
        claimNamespace = spec["claimRef"]?["namespace"]?.string
        claimName = spec["claimRef"]?["name"]?.string
        capacity = spec["capacity"]?["storage"]?.string.flatMap(Quantity.bytes)
        createdNs = json["metadata"]?["creationTimestamp"]?.string.flatMap(Self.parseTimestamp)
        node = json["metadata"]?["annotations"]?["local.path.provisioner/selected-node"]?.string
    }

    /// RFC 3339 `2026-02-03T00:00:00Z` (Kubernetes always writes UTC, seconds) to nanoseconds.
    static func parseTimestamp(_ s: String) -> Int64? {
        let u = Array(s.utf8)
        guard u.count >= 20, u[4] == 0x2D, u[7] == 0x2D, u[10] == 0x54, u[13] == 0x3A, u[16] == 0x3A else {
            return nil
        }
        func n(_ r: Range<Int>) -> Int32? { Int32(String(decoding: u[r], as: UTF8.self)) }
        guard let y = n(0..<4), let mo = n(5..<7), let d = n(8..<10), let h = n(11..<13), let mi = n(14..<16),
            let sec = n(17..<19)
        else { return nil }
        var parts = tm()
        parts.tm_year = y - 1900
        parts.tm_mon = mo - 1
        parts.tm_mday = d
        parts.tm_hour = h
        parts.tm_min = mi
        parts.tm_sec = sec
        return Int64(timegm(&parts)) * 1_000_000_000
    }
}
