import HostFS

/// What a scan indexes and how it classifies it.
package struct ScanOptions: Sendable {
    package var include: [Glob]
    package var classifier: Classifier
    /// Scan time, nanoseconds since the epoch.
    package var nowNs: Int64
    /// Directories deeper than this below a volume (its root is 0) are tampering: skipped.
    package var maxDepth: Int
    /// Moved by the walker for every file it looks at and every MiB it reads (the daemon's watchdog).
    package var progress: WorkProgress?
    /// Volumes done and files looked at, for a progress line.
    package var meter: ScanMeter?

    package init(
        include: [Glob], tracks: some Sequence<String>, nowNs: Int64 = SystemClock.nowNs(),
        maxDepth: Int = ScanOptions.defaultMaxDepth
    ) {
        self.include = include
        classifier = Classifier(tracks: tracks)
        self.nowNs = nowNs
        self.maxDepth = maxDepth
    }

    package static let defaultMaxDepth = 64
    /// PATH_MAX of limits.h, with its NUL: a longer host path is tampering (skipped), since no
    /// tool the operator has can open it by name.
    package static let pathMax = 4096
}

/// A change the scan saw, for the alert rules.
package struct ChangeEvent: Sendable, Equatable {
    package enum Kind: String, Sendable {
        case truncated, replaced, deleted
    }

    package var kind: Kind
    package var volumePath: String
    package var relativePath: [UInt8]
    package var track: String?
    package var oldSize: Int64?
    package var newSize: Int64?
    /// mtime of the file as last indexed (for retention decisions on deletion).
    package var mtimeNs: Int64
}

/// A part of a volume the scan could not read, or would not; the rest was indexed.
package struct SkippedPath: Sendable, CustomStringConvertible {
    package var path: String
    package var reason: String
    /// The volume it is in.
    package var volumePath = ""
    /// Left out on purpose: deeper than `maxDepth` or longer than PATH_MAX (security rule 10).
    package var tampering = false
    package var description: String { "\(path): \(reason)" }

    package init(path: String, reason: String, volumePath: String = "", tampering: Bool = false) {
        self.path = path
        self.reason = reason
        self.volumePath = volumePath
        self.tampering = tampering
    }
}

package struct ScanReport: Sendable {
    package var volumes = 0
    package var files = 0
    package var bytes: Int64 = 0
    /// Files whose lines were counted (new, grown, replaced).
    package var counted = 0
    /// Directories whose entries were read (listed), for the cost of a batch.
    package var listed = 0
    package var created = 0
    package var changed = 0
    package var deleted = 0
    package var durationNs: Int64 = 0
    package var skipped: [SkippedPath] = []
    package var events: [ChangeEvent] = []
    /// Directories watched during the walk, by volume path (when an `Inotify` was given).
    package var watches: [String: [WatchedDirectory]] = [:]
    /// Watches that could not be added (ENOSPC: the system's limit; EDQUOT: the agent's budget).
    package var watchErrors: [SystemError] = []
    /// Directories walked but not watched (their rows), by volume path: to be polled instead.
    package var unwatched: [String: [Int64]] = [:]

    package init() {}
}
