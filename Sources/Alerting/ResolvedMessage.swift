import HostFS
import Inventory

/// What a resolved entry says: what recovered, in its own words, never the failure's text. Each
/// sentence is true however the alert resolved (the condition went away, a quiet period passed,
/// the alert left the configuration); a rule family that knows more passes its own sentence to
/// the engine (`LinkRules.resolvedMessages`).
extension AlertType {
    package func resolvedMessage(_ r: AlertRecord) -> String {
        let name = VolumeRules.name(r)
        let since = SystemClock.rfc3339(ns: r.lastSeen * 1_000_000_000)
        let track = r.track ?? "?"
        switch self {
        case .volumeMissing:
            return "Expected volume \(r.subject) has a directory on this node again, or is no longer expected"
        case .volumeRecreated:
            return "PVC \(r.subject) has no data stranded in an older directory any more"
        case .orphanVolume:
            return "Volume directory \(r.subject) is claimed by a PersistentVolume again, or holds no data any more"
        case .fileVanished:
            return "No more indexed files vanished from \(name) since \(since)"
        case .fileTruncated:
            return "No more indexed files shrank in \(name) since \(since)"
        case .trackStale:
            return "Track \(track) in \(name) is no longer stale: a file of it grew, or its active window closed"
        case .trackGap:
            return "No more hours went missing from track \(track) in \(name) since \(since)"
        case .ownershipDrift:
            return "No more entries of other users turned up in \(name) since \(since)"
        case .ownershipUnfixable:
            return "Nothing in \(name) was refused by the ownership walks since \(since)"
        case .linkConflict:
            return "Nothing is in the way of the friendly path \(r.subject) for \(name) any more"
        case .linkUnreachable:
            return "The friendly path \(r.subject) for \(name) is no longer refused or unreachable"
        case .capacity:
            return r.subject.hasSuffix("#filesystem")
                ? "The file system of \(name) has \(Int(Thresholds.minFreePercent))% free space or more again"
                : "\(name.prefix(1).uppercased() + name.dropFirst()) uses less than "
                    + "\(Thresholds.capacityWarnPercent)% of its capacity again"
        case .ephemeralWrites:
            return "No tracked files are at risk in \(r.path ?? r.subject) any more"
        case .volumeUnmounted:
            return "\(name.prefix(1).uppercased() + name.dropFirst()) is mounted at its configured path again, "
                + "or no container of its namespace runs"
        case .storageRootUnavailable:
            return "Storage root \(r.subject) can be read again"
        case .indexError:
            return "The index \(r.subject) can be written again"
        case .subtreeSkipped:
            return "Nothing in \(name) was too deep or too long to index since \(since)"
        case .dataRescued:
            return "Nothing more was copied out of the writable layers of \(r.subject) since \(since)"
        case .rescueStopped:
            return "The rescue area has room again (rescue.max_bytes and rescue.min_free), or nothing is waiting"
        }
    }
}

extension VolumeRules {
    /// `PVC ns/name` when the alert names a claim, else `volume PATH`.
    static func name(_ r: AlertRecord) -> String {
        if let namespace = r.namespace, let pvc = r.pvc { return "PVC \(namespace)/\(pvc)" }
        return "volume \(r.path ?? r.subject)"
    }
}
