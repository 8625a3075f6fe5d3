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

    private var totals: VolumeTotals
    private var knownDirs: [NameKey: IndexReader.KnownDirectory] = [:]
    private var digest: DirectoryDigest
    private var visitedDirs: Set<Int64> = []
    private var skippedPrefixes: [[UInt8]] = []
    private var pendingChildren: [([CChar], String?)] = []
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

    private struct Pending {
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
    private mutating func visit(
        _ dir: Descriptor, path: [UInt8], track: String?, onlyNewChildren: Bool, into stack: inout [Pending]
    ) throws {
        try directory(dir, path: path, track: track)
        if let inotify {
            do {
                totals.watches.append(WatchedDirectory(wd: try inotify.watch(dir), path: path))
            } catch {
                totals.watchErrors.append(error)
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
    private func openBelow(_ root: Descriptor, _ path: [UInt8], device: UInt64) throws -> (Descriptor, String?)? {
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

    private mutating func push(parent: Descriptor, path: [UInt8], into stack: inout [Pending]) {
        for (name, track) in pendingChildren {
            var childPath = path
            if !childPath.isEmpty { childPath.append(0x2F) }
            childPath.append(contentsOf: name.dropLast().map { UInt8(bitPattern: $0) })
            stack.append(Pending(parent: parent, name: name, path: childPath, track: track))
        }
        pendingChildren.removeAll(keepingCapacity: true)
    }

    private func send(_ item: WalkItem) throws {
        guard emit(item) else { throw Stopped() }
    }

    private mutating func flush(_ batch: inout DirectoryBatch) throws {
        guard !batch.isEmpty else { return }
        try send(.directory(batch))
        batch.inserts.removeAll(keepingCapacity: true)
        batch.updates.removeAll(keepingCapacity: true)
        batch.metadata.removeAll(keepingCapacity: true)
        batch.deletions.removeAll(keepingCapacity: true)
    }

    // MARK: - One directory

    private mutating func directory(_ dir: Descriptor, path: [UInt8], track: String?) throws {
        let known = knownDirs[NameKey(bytes: path)]
        let dirID = known?.id
        if let dirID { visitedDirs.insert(dirID) }
        if let stored = known?.digest, unchanged(dir, stored: stored, track: track) { return }
        digest = DirectoryDigest(key: digestKey)
        var rows = try dirID.map { try reader.files(inDirectory: $0) } ?? [:]
        var batch = DirectoryBatch(volumeID: volumeID, path: path, dirID: dirID)
        do {
            try dir.forEachEntry { entry in
                var type = entry.type
                if type == .unknown {
                    guard let st = try? dir.stat(named: entry.name) else { return }
                    type = st.type
                }
                switch type {
                case .directory:
                    let childTrack = options.classifier.directoryTrack(entry.nameBytes, inherited: track)
                    pendingChildren.append(
                        (Array(UnsafeBufferPointer(start: entry.name, count: entry.nameLength + 1)), childTrack))
                case .regular:
                    guard options.include.contains(where: { $0.matches(entry.name, length: entry.nameLength) }) else {
                        return
                    }
                    file(dir, entry, path: path, track: track, rows: &rows, into: &batch)
                    if batch.count >= Self.batchLimit { try flush(&batch) }
                default:
                    // Symlinks, FIFOs, sockets and devices are never opened or followed.
                    return
                }
            }
        } catch let error as SystemError {
            // Part of the listing failed: keep what was seen, do not mark the rest deleted.
            skip(path, error.message)
            try flush(&batch)
            return
        }
        for (key, row) in rows where !row.deleted {
            batch.deletions.append(
                Deletion(
                    id: row.id, relativePath: join(path, key.bytes), size: row.size, mtimeNs: row.mtimeNs,
                    track: row.track))
        }
        // The last part carries the digest; a new directory is announced even when empty.
        guard !batch.isEmpty || known?.digest != digest.value else { return }
        batch.digest = digest.value
        try send(.directory(batch))
    }

    /// The quick pass: list and stat, no index rows read. True when the directory's digest is
    /// what the index stored, which means none of its indexed files changed; its children are
    /// queued and its totals counted.
    private mutating func unchanged(_ dir: Descriptor, stored: UInt64, track: String?) -> Bool {
        var quick = DirectoryDigest(key: digestKey)
        var children: [([CChar], String?)] = []
        var files = 0
        var bytes: Int64 = 0
        var lastWrite: Int64 = 0
        do {
            try dir.forEachEntry { entry in
                var type = entry.type
                var st: FileStat?
                if type == .unknown {
                    st = try? dir.stat(named: entry.name)
                    type = st?.type ?? .unknown
                }
                switch type {
                case .directory:
                    let childTrack = options.classifier.directoryTrack(entry.nameBytes, inherited: track)
                    children.append(
                        (Array(UnsafeBufferPointer(start: entry.name, count: entry.nameLength + 1)), childTrack))
                case .regular:
                    guard options.include.contains(where: { $0.matches(entry.name, length: entry.nameLength) }),
                        let s = st ?? (try? dir.stat(named: entry.name)), s.isRegular
                    else { return }
                    quick.add(
                        name: entry.nameBytes, inode: s.inode, size: s.size, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs)
                    files += 1
                    bytes += s.size
                    lastWrite = max(lastWrite, s.mtimeNs)
                default:
                    return
                }
            }
        } catch {
            return false
        }
        guard quick.value == stored else { return false }
        pendingChildren += children
        totals.files += files
        totals.bytes += bytes
        totals.lastWriteNs = max(totals.lastWriteNs, lastWrite)
        return true
    }

    private mutating func file(
        _ dir: Descriptor, _ entry: DirectoryEntry, path: [UInt8], track: String?,
        rows: inout [NameKey: IndexReader.Row],
        into batch: inout DirectoryBatch
    ) {
        let key = NameKey(bytes: Array(entry.nameBytes))
        let old = rows.removeValue(forKey: key)
        let cls = options.classifier.classify(entry.nameBytes, directoryTrack: track)
        if let old, !old.deleted {
            // Known file: stat it, and open it only when it changed.
            guard let st = try? dir.stat(named: entry.name), st.isRegular else {
                rows[key] = old  // vanished or replaced by a non-file: a deletion
                return
            }
            if old.inode == st.inode && old.size == st.size && old.mtimeNs == st.mtimeNs {
                if old.ctimeNs != st.ctimeNs || old.track != cls.track {
                    batch.metadata.append(
                        MetadataUpdate(id: old.id, ctimeNs: st.ctimeNs, uid: st.uid, gid: st.gid, track: cls.track))
                }
                digest.add(
                    name: entry.nameBytes, inode: st.inode, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs)
                account(size: st.size, mtimeNs: st.mtimeNs)
                return
            }
        }
        // New or changed: open without following, check what was opened, count.
        let handle: OpenFile
        do {
            handle = try dir.openFile(named: entry.name)
        } catch {
            if let old, !old.deleted { rows[key] = old }
            if !error.isVanished { skip(nil, error.message, display: join(path, key.bytes)) }
            return
        }
        guard let st = handle.stat(), st.isRegular else {
            if let old, !old.deleted { rows[key] = old }
            return
        }
        var from: Int64 = 0
        var lines: Int64 = 0
        if let old, !old.deleted, old.inode == st.inode, st.size > old.size {
            // Append-only JSONL grew: count only the new bytes.
            from = old.size
            lines = old.lines
        }
        guard let counted = handle.countNewlines(from: from, buffer: buffer) else {
            if let old, !old.deleted { rows[key] = old }
            skip(nil, "read failed: \(Errno.current)", display: join(path, key.bytes))
            return
        }
        totals.counted += 1
        let facts = FileFacts(
            name: key.bytes, classification: cls, size: from + counted.bytes, lines: lines + counted.lines, stat: st)
        if let old {
            let event: ChangeEvent.Kind? =
                old.deleted ? nil : old.inode != st.inode ? .replaced : (facts.size < old.size ? .truncated : nil)
            batch.updates.append(
                FileUpdate(id: old.id, facts: facts, event: event, oldSize: old.size, revived: old.deleted))
        } else {
            batch.inserts.append(facts)
        }
        digest.add(name: entry.nameBytes, inode: st.inode, size: facts.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs)
        account(size: facts.size, mtimeNs: st.mtimeNs)
    }

    private mutating func account(size: Int64, mtimeNs: Int64) {
        totals.files += 1
        totals.bytes += size
        if mtimeNs > totals.lastWriteNs { totals.lastWriteNs = mtimeNs }
    }

    /// Directories the index knows that this walk did not reach: their live files are gone,
    /// unless they sit under a subtree the walk could not read.
    private mutating func vanishedDirectories() throws {
        try vanished { _ in true }
    }

    /// Marks the live files of every known, unvisited directory whose path `matches` as deleted.
    private mutating func vanished(_ matches: ([UInt8]) -> Bool) throws {
        for (key, known) in knownDirs where !visitedDirs.contains(known.id) && matches(key.bytes) {
            let path = key.bytes
            let id = known.id
            let underSkipped = skippedPrefixes.contains {
                path == $0 || (path.starts(with: $0) && path.count > $0.count && path[$0.count] == 0x2F)
            }
            if underSkipped { continue }
            visitedDirs.insert(id)
            var batch = DirectoryBatch(volumeID: volumeID, path: path, dirID: id)
            for row in try reader.liveFiles(inDirectory: id) {
                batch.deletions.append(
                    Deletion(
                        id: row.id, relativePath: join(path, row.name), size: row.size, mtimeNs: row.mtimeNs,
                        track: row.track))
                if batch.count >= Self.batchLimit { try flush(&batch) }
            }
            try flush(&batch)
        }
    }

    private mutating func skip(_ relative: [UInt8]?, _ reason: String, display: [UInt8]? = nil) {
        if let relative { skippedPrefixes.append(relative) }
        let shown = display ?? relative ?? []
        totals.skipped.append(
            SkippedPath(path: shown.isEmpty ? volumePath : volumePath + "/" + RawName.display(shown), reason: reason))
    }

    private func join(_ path: [UInt8], _ name: [UInt8]) -> [UInt8] {
        path.isEmpty ? name : path + [0x2F] + name
    }
}
