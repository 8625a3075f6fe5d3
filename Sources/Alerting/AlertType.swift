/// The alert types of design.md. MESSAGE_IDs were made with `systemd-id128 new` and are kept
/// forever: journal filters and packaging/systemd/storage-agent.catalog depend on them.
package enum AlertType: String, CaseIterable, Sendable {
    case volumeMissing = "volume-missing"
    case volumeRecreated = "volume-recreated"
    case orphanVolume = "orphan-volume"
    case fileVanished = "file-vanished"
    case fileTruncated = "file-truncated"
    case trackStale = "track-stale"
    case trackGap = "track-gap"
    case ownershipDrift = "ownership-drift"
    case ownershipUnfixable = "ownership-unfixable"
    case linkConflict = "link-conflict"
    case linkUnreachable = "link-unreachable"
    case capacity = "capacity"
    case ephemeralWrites = "ephemeral-writes"
    case volumeUnmounted = "volume-unmounted"
    case storageRootUnavailable = "storage-root-unavailable"
    case indexError = "index-error"
    case subtreeSkipped = "subtree-skipped"
    case dataRescued = "data-rescued"
    case rescueStopped = "rescue-stopped"

    package var messageID: String {
        switch self {
        case .volumeMissing: "7ee95f78a9424bfb808a980a36fb27db"
        case .volumeRecreated: "1036720ea6e94da29978159d6127e32f"
        case .orphanVolume: "02328d1b195f49d482e787fe39cfb187"
        case .fileVanished: "88f9cdf67913402590ddb9308adeae83"
        case .fileTruncated: "fac6eea9bb93489e8e6de6b689e12686"
        case .trackStale: "068753952b75435f8ccbb6567b287792"
        case .trackGap: "79f8ed48c0d34800a42a914e9fb132ca"
        case .ownershipDrift: "8b66c772c0ff4be7a1781687fab954cd"
        case .ownershipUnfixable: "f368f620378242fba5734ed2a6736826"
        case .linkConflict: "f7d040cf08904787b26bd812ddf2a6ed"
        case .linkUnreachable: "9d2fec5d31734d9ab16a6d1f719b183d"
        case .capacity: "51019ddba06c447caf3f9f9dfb4bb2de"
        case .ephemeralWrites: "b3caa567c5ab4c74a69c44eca00afd04"
        case .volumeUnmounted: "9a9098847b3f44bfbaf94f62abc71e5b"
        case .storageRootUnavailable: "5a36df640d164388bdf4082e96f6e8b5"
        case .indexError: "12f3d722e5ca4079bb3ca5383e4e3284"
        case .subtreeSkipped: "4f0d3fd8149d4c7bb7ee64a102c721b6"
        case .dataRescued: "26879478858646dda8577034af43004f"
        case .rescueStopped: "7f2963575f1c4ad6ba14442445ea22e9"
        }
    }

    /// syslog priority while firing: 3 err, 4 warning, 5 notice. Resolved entries are 6 (info).
    package var priority: Int {
        switch self {
        case .volumeMissing, .fileVanished, .trackStale, .ephemeralWrites, .volumeUnmounted, .storageRootUnavailable,
            .indexError:
            3
        case .volumeRecreated, .fileTruncated, .trackGap, .ownershipUnfixable, .linkConflict, .linkUnreachable,
            .capacity, .subtreeSkipped, .rescueStopped:
            4
        case .orphanVolume, .ownershipDrift, .dataRescued: 5
        }
    }

    /// Event alerts come from changes (a deletion, a truncation, an ownership fix): they
    /// accumulate a count and resolve after a quiet `alerts.renotify` period. The others are
    /// conditions that hold or not.
    package var isEvent: Bool {
        [.fileVanished, .fileTruncated, .trackGap, .ownershipDrift, .ownershipUnfixable, .subtreeSkipped, .dataRescued]
            .contains(self)
    }

    /// Losses are sent for every cycle that sees new ones, never held back because an earlier
    /// one is still firing: a second deletion in a volume is news, not a repeat.
    /// So is a rescue: each cycle's copies are news of their own.
    package var isSentEveryCycle: Bool { self == .fileVanished || self == .fileTruncated || self == .dataRescued }

    /// The summary entry sent when a cycle has more than `alerts.max_per_cycle` entries.
    package static let suppressedMessageID = "52c89eda33b94981b970496a0ad8c5c6"
}

/// Something that is true now (a condition) or just happened (an event), for the engine.
package struct AlertCondition: Sendable {
    package var type: AlertType
    package var subject: String
    package var namespace: String?
    package var pvc: String?
    package var pv: String?
    package var volumePath: String?
    package var track: String?
    package var filePath: String?
    package var numbers: [(String, Int64)] = []
    /// A fixed sentence; PVC names are fine, raw file names never (they are attacker-controlled).
    package var message: String
    /// For event alerts: how many occurrences this is (files).
    package var occurrences: Int64 = 1
    /// Overrides the type's priority (capacity over 100% is an error, not a warning).
    package var priority: Int?

    package init(
        type: AlertType, subject: String, namespace: String? = nil, pvc: String? = nil, pv: String? = nil,
        volumePath: String? = nil, track: String? = nil, filePath: String? = nil, numbers: [(String, Int64)] = [],
        message: String, occurrences: Int64 = 1, priority: Int? = nil
    ) {
        self.type = type
        self.subject = subject
        self.namespace = namespace
        self.pvc = pvc
        self.pv = pv
        self.volumePath = volumePath
        self.track = track
        self.filePath = filePath
        self.numbers = numbers
        self.message = message
        self.occurrences = occurrences
        self.priority = priority
    }
}
