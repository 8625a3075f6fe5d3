import HostFS

/// What a scan indexes and how it classifies it.
public struct ScanOptions: Sendable {
    public var include: [Glob]
    public var classifier: Classifier
    /// Scan time, nanoseconds since the epoch.
    public var nowNs: Int64

    public init(include: [Glob], tracks: some Sequence<String>, nowNs: Int64 = SystemClock.nowNs()) {
        self.include = include
        classifier = Classifier(tracks: tracks)
        self.nowNs = nowNs
    }
}

/// A change the scan saw, for the alert rules.
public struct ChangeEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case truncated, replaced, deleted
    }

    public var kind: Kind
    public var volumePath: String
    public var relativePath: [UInt8]
    public var track: String?
    public var oldSize: Int64?
    public var newSize: Int64?
    /// mtime of the file as last indexed (for retention decisions on deletion).
    public var mtimeNs: Int64
}

/// A part of a volume the scan could not read; the rest was indexed.
public struct SkippedPath: Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

public struct ScanReport: Sendable {
    public var volumes = 0
    public var files = 0
    public var bytes: Int64 = 0
    /// Files whose lines were counted (new, grown, replaced).
    public var counted = 0
    public var created = 0
    public var changed = 0
    public var deleted = 0
    public var durationNs: Int64 = 0
    public var skipped: [SkippedPath] = []
    public var events: [ChangeEvent] = []
    /// Directories watched during the walk, by volume path (when an `Inotify` was given).
    public var watches: [String: [WatchedDirectory]] = [:]
    /// Watches that could not be added (ENOSPC: the watch limit).
    public var watchErrors: [SystemError] = []

    public init() {}
}
