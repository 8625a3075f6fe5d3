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
        let document = try JSONInput.decode(Document.self, from: bytes)
        let items = document.items ?? (document.kind == "PersistentVolume" ? [document.object] : nil)
        guard let items else { throw JSONError(offset: nil, reason: "no \"items\" array: not a PV list") }
        return items.compactMap { $0.flatMap(PersistentVolume.init(object:)) }
    }

    init?(object: Object) {
        guard let name = object.metadata?.name, let spec = object.spec,
            let path = spec.local?.path ?? spec.hostPath?.path, path.hasPrefix("/")
        else { return nil }
        self.name = name
        self.path = path
        claimNamespace = spec.claimRef?.namespace
        claimName = spec.claimRef?.name
        capacity = spec.capacity?.storage.flatMap(Quantity.bytes)
        createdNs = object.metadata?.creationTimestamp.flatMap(Self.parseTimestamp)
        node = object.metadata?.annotations?.selectedNode
    }

    /// RFC 3339 `2026-02-03T00:00:00Z` (Kubernetes always writes UTC, seconds) to nanoseconds.
    package static func parseTimestamp(_ s: String) -> Int64? {
        let u = Array(s.utf8)
        guard u.count >= 20, u[4] == 0x2D, u[7] == 0x2D, u[10] == 0x54, u[13] == 0x3A, u[16] == 0x3A else {
            return nil
        }
        func n(_ r: Range<Int>) -> Int32? { Int32(String(decoding: u[r], as: UTF8.self)) }
        guard let y = n(0..<4), let mo = n(5..<7), let d = n(8..<10), let h = n(11..<13), let mi = n(14..<16),
            let sec = n(17..<19)
        else { return nil }
        guard (1...12).contains(mo), (1...31).contains(d), (0...23).contains(h), (0...59).contains(mi),
            (0...60).contains(sec)
        else { return nil }
        let days = Int64(daysFromCivil(year: y, month: mo, day: d))
        return ((days * 24 + Int64(h)) * 60 + Int64(mi)) * 60_000_000_000 + Int64(sec) * 1_000_000_000
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int32, month: Int32, day: Int32) -> Int32 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// The fields of `kubectl get pv -o json` the agent reads; anything else, or a field of an
/// unexpected type, is ignored.
extension PersistentVolume {
    struct Document: Decodable {
        var kind: String?
        var items: [Object?]?
        /// The document itself, for a single PV.
        var object: Object?

        enum CodingKeys: String, CodingKey { case kind, items }

        init(from decoder: any Decoder) throws {
            object = try? Object(from: decoder)
            guard let c = try? decoder.container(keyedBy: CodingKeys.self) else { return }
            kind = c.lenient(.kind)
            items = c.lenient(.items).map { (list: [Lenient<Object>]) in list.map(\.value) }
        }
    }

    struct Object: Decodable {
        var metadata: Metadata?
        var spec: Spec?

        enum CodingKeys: String, CodingKey { case metadata, spec }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            metadata = c.lenient(.metadata)
            spec = c.lenient(.spec)
        }
    }

    struct Metadata: Decodable {
        var name: String?
        var creationTimestamp: String?
        var annotations: Annotations?

        enum CodingKeys: String, CodingKey { case name, creationTimestamp, annotations }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = c.lenient(.name)
            creationTimestamp = c.lenient(.creationTimestamp)
            annotations = c.lenient(.annotations)
        }
    }

    struct Annotations: Decodable {
        var selectedNode: String?

        enum CodingKeys: String, CodingKey { case selectedNode = "local.path.provisioner/selected-node" }

        init(from decoder: any Decoder) throws {
            selectedNode = try decoder.container(keyedBy: CodingKeys.self).lenient(.selectedNode)
        }
    }

    struct Spec: Decodable {
        var local: Source?
        var hostPath: Source?
        var claimRef: ClaimRef?
        var capacity: Capacity?

        enum CodingKeys: String, CodingKey { case local, hostPath, claimRef, capacity }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            local = c.lenient(.local)
            hostPath = c.lenient(.hostPath)
            claimRef = c.lenient(.claimRef)
            capacity = c.lenient(.capacity)
        }
    }

    struct Source: Decodable {
        var path: String?

        enum CodingKeys: String, CodingKey { case path }

        init(from decoder: any Decoder) throws { path = try decoder.container(keyedBy: CodingKeys.self).lenient(.path) }
    }

    struct ClaimRef: Decodable {
        var namespace: String?
        var name: String?

        enum CodingKeys: String, CodingKey { case namespace, name }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            namespace = c.lenient(.namespace)
            name = c.lenient(.name)
        }
    }

    struct Capacity: Decodable {
        var storage: String?

        enum CodingKeys: String, CodingKey { case storage }

        init(from decoder: any Decoder) throws {
            storage = try decoder.container(keyedBy: CodingKeys.self).lenient(.storage)
        }
    }
}
