import HostFS

/// What the walker found, handed to the index writer. Plain values: it crosses threads.
enum WalkItem: Sendable {
    /// Part of one directory's changes (large directories come in several parts).
    case directory(DirectoryBatch)
    /// A volume's walk ended; its totals.
    case volumeDone(VolumeTotals)
}

/// A directory of a walk: its row, or, for one the index does not have yet, a number the writer
/// turns into the row it makes (the walk only reads the index).
enum DirRef: Sendable, Hashable {
    case known(Int64)
    case new(Int)
}

struct DirectoryBatch: Sendable {
    var volumeID: Int64
    /// Raw path relative to the volume, `[]` for its root: for this batch's events only.
    var path: [UInt8]
    var dir: DirRef
    /// Where a new directory's row goes: its parent (nil for the volume's root) and its name.
    var parent: DirRef?
    var name: [UInt8] = []
    /// Set on a directory's last part: its digest after this scan.
    var digest: UInt64?
    var inserts: [FileFacts] = []
    var updates: [FileUpdate] = []
    var metadata: [MetadataUpdate] = []
    var deletions: [Deletion] = []

    var isEmpty: Bool { inserts.isEmpty && updates.isEmpty && metadata.isEmpty && deletions.isEmpty }
    var count: Int { inserts.count + updates.count + metadata.count + deletions.count }
}

/// A file as the walk saw and counted it.
struct FileFacts: Sendable {
    var name: [UInt8]
    var classification: Classifier.Result
    var size: Int64
    var lines: Int64
    var stat: FileStat
}

struct FileUpdate: Sendable {
    var id: Int64
    var facts: FileFacts
    /// The change to record, if any (a grown file records none).
    var event: ChangeEvent.Kind?
    var oldSize: Int64
    var revived: Bool
}

struct MetadataUpdate: Sendable {
    var id: Int64
    var ctimeNs: Int64
    var uid: UInt32
    var gid: UInt32
    var track: String?
}

struct Deletion: Sendable {
    var id: Int64
    var relativePath: [UInt8]
    var size: Int64
    var mtimeNs: Int64
    var track: String?
}

/// A directory the walk put an inotify watch on: the watch and the directory's row, no path.
package struct WatchedDirectory: Sendable, Equatable {
    package var wd: Int32
    package var dirID: Int64
}

/// A watch as the walk made it, before the writer knows the row of a new directory.
struct WalkWatch: Sendable {
    var wd: Int32
    var dir: DirRef
}

struct VolumeTotals: Sendable {
    var volumeID: Int64
    /// Only some directories were walked: the writer applies its own deltas, not these totals.
    var partial = false
    var watches: [WalkWatch] = []
    var watchErrors: [SystemError] = []
    /// Directories walked but not watched (over the watch budget, or the system's limit).
    var unwatched: [DirRef] = []
    var uid: UInt32?
    var gid: UInt32?
    var files = 0
    var bytes: Int64 = 0
    var lastWriteNs: Int64 = 0
    var counted = 0
    /// Directories whose entries were read (getdents64).
    var listed = 0
    var skipped: [SkippedPath] = []
}

/// A raw name as a dictionary key, hashed in one pass instead of byte by byte.
struct NameKey: Hashable {
    var bytes: [UInt8]

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
