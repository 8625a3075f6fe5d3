/// What the alert rules need from the configuration, and nothing more: the rules never see the
/// config file's shape.
package struct AlertSettings: Sendable {
    package var storageRoots: [String]
    package var tracks: [Track]
    package var expected: [ExpectedVolume]
    package var renotify: Int64
    package var maxPerCycle: Int
    /// How long an expected mount may be missing while its namespace runs containers (a rollout).
    package var mountGrace: Int64

    package init(
        storageRoots: [String] = [], tracks: [Track] = Track.defaults, expected: [ExpectedVolume] = [],
        renotify: Int64 = 6 * 3600, maxPerCycle: Int = 50, mountGrace: Int64 = 120
    ) {
        self.storageRoots = storageRoots
        self.tracks = tracks
        self.expected = expected
        self.renotify = renotify
        self.maxPerCycle = maxPerCycle
        self.mountGrace = mountGrace
    }

    package func track(_ name: String?) -> Track? { tracks.first { $0.name == name } }
}

/// A volume the operator expects on this node (`expect: true`), and where it must be mounted.
package struct ExpectedVolume: Sendable, Equatable {
    package var namespace: String
    package var pvc: String
    package var path: String?
    package var mount: String?

    package init(namespace: String, pvc: String, path: String? = nil, mount: String? = nil) {
        self.namespace = namespace
        self.pvc = pvc
        self.path = path
        self.mount = mount
    }

    package var claim: String { "\(namespace)/\(pvc)" }
}

/// Thresholds the rules alert on, shared with `doctor` so both say the same thing.
package enum Thresholds {
    /// A volume's file system with less free space than this (percent) warns.
    package static let minFreePercent = 10.0
    /// Used bytes over this share of capacity (percent) warn; over 100% is an error.
    package static let capacityWarnPercent: Int64 = 90
}
