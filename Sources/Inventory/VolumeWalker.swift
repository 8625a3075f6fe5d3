import HostFS
import PVCResolver

/// Walks one volume by file descriptor and reports what changed against the index.
///
/// It only reads the index (through its own connection); the writer applies what it emits.
/// Iterative, so a deep tree cannot blow the stack; a pending directory keeps its parent's
/// descriptor only until it is opened, so open descriptors stay near the number of ancestors
/// with unvisited siblings.
struct VolumeWalker {
    let volumeID: Int64
    let volumePath: String
    let reader: IndexReader
    let options: ScanOptions
    let buffer: LineCountBuffer
    let digestKey: UInt64
    /// When set, every directory walked is watched (the daemon).
    let inotify: Inotify?
    let emit: (WalkItem) -> Bool

    var totals: VolumeTotals
    var knownDirs: [NameKey: IndexReader.KnownDirectory] = [:]
    var digest: DirectoryDigest
    var visitedDirs: Set<Int64> = []
    var skippedPrefixes: [[UInt8]] = []
    var pendingChildren: [([CChar], String?)] = []
    /// Parts of a directory are flushed at this size so memory stays flat in huge directories.
    static let batchLimit = 1024

    init(
        volumeID: Int64, volumePath: String, reader: IndexReader, options: ScanOptions, buffer: LineCountBuffer,
        digestKey: UInt64, inotify: Inotify? = nil, emit: @escaping (WalkItem) -> Bool
    ) {
        self.inotify = inotify
        self.volumeID = volumeID
        self.volumePath = volumePath
        self.reader = reader
        self.options = options
        self.buffer = buffer
        self.digestKey = digestKey
        self.emit = emit
        digest = DirectoryDigest(key: digestKey)
        totals = VolumeTotals(volumeID: volumeID)
    }

    struct Stopped: Error {}

    struct Pending {
        let parent: Descriptor
        let name: [CChar]  // NUL-terminated
        let path: [UInt8]
        let track: String?
    }

    /// Walks the volume; throws `Stopped` when the writer gave up.
    ///
    /// With `only`, just those directories are re-read (the daemon's inotify batches): their
    /// files are diffed, children new to the index are walked whole, and known children that
    /// are gone take their subtrees with them. Without it, the whole volume is walked.
    mutating func walk(_ volume: Volume, only: [[UInt8]]? = nil) throws {
        let root: Descriptor
        let rootStat: FileStat
        totals.partial = only != nil
        do {
            root = try volume.open()
            rootStat = try root.stat()
        } catch {
            // The volume could not be opened: index nothing, delete nothing.
            totals.skipped.append(SkippedPath(path: volume.path, reason: error.message))
            try send(.volumeDone(totals))
            return
        }
        totals.uid = rootStat.uid
        totals.gid = rootStat.gid
        knownDirs = try reader.directories(volumeID)
        var stack: [Pending] = []
        if let only {
            for path in Set(only.map(NameKey.init)).map(\.bytes).sorted(by: { $0.count < $1.count }) {
                guard let (dir, track) = try openBelow(root, path, device: rootStat.device) else {
                    try vanished { $0 == path || $0.starts(with: path + [0x2F]) }
                    continue
                }
                try visit(dir, path: path, track: track, onlyNewChildren: true, into: &stack)
            }
        } else {
            try visit(root, path: [], track: nil, onlyNewChildren: false, into: &stack)
        }
        while let next = stack.popLast() {
            let dir: Descriptor
            do {
                dir = try next.parent.openDirectory(cName: next.name)
            } catch {
                let reason =
                    error.looksLikeTampering ? "replaced by a non-directory while scanning (skipped)" : error.message
                skip(next.path, reason)
                continue
            }
            guard let st = try? dir.stat(), st.device == rootStat.device else {
                skip(next.path, "on another file system (not indexed)")
                continue
            }
            try visit(dir, path: next.path, track: next.track, onlyNewChildren: false, into: &stack)
        }
        if only == nil { try vanishedDirectories() }
        try send(.volumeDone(totals))
    }

    /// Indexes one directory, watches it, and queues its children (all, or only those the index
    /// does not know yet; known children that are no longer there are gone with their subtrees).
    mutating func visit(
        _ dir: Descriptor, path: [UInt8], track: String?, onlyNewChildren: Bool, into stack: inout [Pending]
    ) throws {
        try directory(dir, path: path, track: track)
        if let inotify {
            do {
                totals.watches.append(WatchedDirectory(wd: try inotify.watch(dir), path: path))
            } catch {
                totals.watchErrors.append(error)
                totals.unwatched.append(path)
            }
        }
        if onlyNewChildren {
            var listed: Set<NameKey> = []
            pendingChildren = pendingChildren.filter { child in
                let childPath = join(path, child.0.dropLast().map { UInt8(bitPattern: $0) })
                listed.insert(NameKey(bytes: childPath))
                return knownDirs[NameKey(bytes: childPath)] == nil
            }
            for key in knownDirs.keys
            where Self.parent(of: key.bytes) == path && !key.bytes.isEmpty && !listed.contains(key) {
                let gone = key.bytes
                try vanished { $0 == gone || $0.starts(with: gone + [0x2F]) }
            }
        }
        push(parent: dir, path: path, into: &stack)
    }

    /// Opens `path` below the volume root one level at a time without following symlinks;
    /// nil when it is no longer there (or no longer a directory on this device).
    func openBelow(_ root: Descriptor, _ path: [UInt8], device: UInt64) throws -> (Descriptor, String?)? {
        var dir = root
        var track: String?
        guard !path.isEmpty else { return (root, nil) }
        for component in path.split(separator: 0x2F) {
            let name = component.map { CChar(bitPattern: $0) } + [0]
            guard let next = try? dir.openDirectory(cName: name), let st = try? next.stat(), st.device == device else {
                return nil
            }
            track = Array(component).withUnsafeBytes { options.classifier.directoryTrack($0, inherited: track) }
            dir = next
        }
        return (dir, track)
    }

    static func parent(of path: [UInt8]) -> [UInt8] {
        guard let slash = path.lastIndex(of: 0x2F) else { return [] }
        return Array(path[..<slash])
    }

    /// The volume directory is gone: every live file the index has for it is deleted.
    mutating func walkGone() throws {
        knownDirs = try reader.directories(volumeID)
        try vanishedDirectories()
    }

    mutating func push(parent: Descriptor, path: [UInt8], into stack: inout [Pending]) {
        for (name, track) in pendingChildren {
            var childPath = path
            if !childPath.isEmpty { childPath.append(0x2F) }
            childPath.append(contentsOf: name.dropLast().map { UInt8(bitPattern: $0) })
            stack.append(Pending(parent: parent, name: name, path: childPath, track: track))
        }
        pendingChildren.removeAll(keepingCapacity: true)
    }

    func send(_ item: WalkItem) throws {
        guard emit(item) else { throw Stopped() }
    }

    mutating func flush(_ batch: inout DirectoryBatch) throws {
        guard !batch.isEmpty else { return }
        try send(.directory(batch))
        batch.inserts.removeAll(keepingCapacity: true)
        batch.updates.removeAll(keepingCapacity: true)
        batch.metadata.removeAll(keepingCapacity: true)
        batch.deletions.removeAll(keepingCapacity: true)
    }
}
