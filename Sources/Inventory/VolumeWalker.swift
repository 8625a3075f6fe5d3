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
    var known = IndexReader.KnownTree()
    var digest: DirectoryDigest
    var visitedDirs: Set<Int64> = []
    /// Known directories the walk left out (unreadable, replaced, tampering): nothing under them is gone.
    var skippedDirs: Set<Int64> = []
    var pendingChildren: [([CChar], String?)] = []
    private var nextNew = 0
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

    /// A directory of the walk: where it is, and its row (or that it has none yet).
    struct Node {
        /// Relative to the volume: for events and messages, never to reach the directory.
        var path: [UInt8]
        var ref: DirRef
        var parent: DirRef?
        var name: [UInt8]
        var known: IndexReader.KnownDirectory?
        var track: String?
        var depth: Int
    }

    struct Pending {
        let parent: Descriptor
        let name: [CChar]  // NUL-terminated
        let node: Node
    }

    /// Walks the volume; throws `Stopped` when the writer gave up.
    ///
    /// With `only`, just those directories are re-read (the daemon's inotify batches): their
    /// files are diffed, children new to the index are walked whole, and known children that
    /// are gone take their subtrees with them. Without it, the whole volume is walked.
    ///
    /// `names` narrows a directory of `only` to the names inotify reported in it: those are
    /// looked at one by one and the directory is not listed (a listing of 200,000 names per
    /// event was the cost of a small steady writer). A directory of `only` not in `names` is
    /// re-read whole (a polled one; the reconcile and an overflow walk everything).
    mutating func walk(_ volume: Volume, only: [[UInt8]]? = nil, names: [[UInt8]: Set<[UInt8]>] = [:]) throws {
        let root: Descriptor
        let rootStat: FileStat
        totals.partial = only != nil
        do {
            root = try volume.open()
            rootStat = try root.stat()
        } catch {
            // The volume could not be opened: index nothing, delete nothing.
            totals.skipped.append(SkippedPath(path: volume.path, reason: error.message, volumePath: volumePath))
            try send(.volumeDone(totals))
            return
        }
        totals.uid = rootStat.uid
        totals.gid = rootStat.gid
        known = try reader.directories(volumeID)
        let top = Node(
            path: [], ref: known.root.map { .known($0.id) } ?? newRef(), parent: nil, name: [], known: known.root,
            track: nil, depth: 0)
        var stack: [Pending] = []
        if let only {
            for path in Set(only.map(NameKey.init)).map(\.bytes).sorted(by: { $0.count < $1.count }) {
                if let named = names[path] {
                    try revisit(root, top, path, names: named, device: rootStat.device, into: &stack)
                } else {
                    try revisit(root, top, path, device: rootStat.device, into: &stack)
                }
            }
        } else {
            try visit(root, top, onlyNewChildren: false, into: &stack)
        }
        while let next = stack.popLast() {
            let dir: Descriptor
            do {
                dir = try next.parent.openDirectory(cName: next.name)
            } catch {
                let reason =
                    error.looksLikeTampering ? "replaced by a non-directory while scanning (skipped)" : error.message
                skip(next.node, reason)
                continue
            }
            guard let st = try? dir.stat(), st.device == rootStat.device else {
                skip(next.node, "on another file system (not indexed)")
                continue
            }
            try visit(dir, next.node, onlyNewChildren: false, into: &stack)
        }
        if only == nil, let top = known.root { try vanishedSubtree(top, path: []) }
        try send(.volumeDone(totals))
    }

    /// Indexes one directory, watches it, and queues its children (all, or only those the index
    /// does not know yet; known children that are no longer there are gone with their subtrees).
    mutating func visit(_ dir: Descriptor, _ node: Node, onlyNewChildren: Bool, into stack: inout [Pending]) throws {
        try directory(dir, node)
        if let inotify {
            do {
                totals.watches.append(WalkWatch(wd: try inotify.watch(dir), dir: node.ref))
            } catch {
                totals.watchErrors.append(error)
                totals.unwatched.append(node.ref)
            }
        }
        if onlyNewChildren, let id = node.known?.id, !skippedDirs.contains(id) {
            var listed: Set<NameKey> = []
            let knownChildren = known.children[id] ?? [:]
            pendingChildren = pendingChildren.filter { child in
                let name = NameKey(bytes: child.0.dropLast().map { UInt8(bitPattern: $0) })
                listed.insert(name)
                return knownChildren[name] == nil
            }
            for (name, child) in knownChildren where !listed.contains(name) {
                try vanishedSubtree(child, path: join(node.path, name.bytes))
            }
        }
        push(parent: dir, node, into: &stack)
    }

    /// Re-reads the directory at `path` (see `descend`); when the index does not know it yet,
    /// its deepest known ancestor is re-read (which walks the new part whole).
    mutating func revisit(
        _ root: Descriptor, _ top: Node, _ path: [UInt8], device: UInt64, into stack: inout [Pending]
    ) throws {
        guard let found = try descend(root, top, path, device: device) else { return }
        try reread(found, into: &stack)
    }

    mutating func reread(_ found: Descended, into stack: inout [Pending]) throws {
        let (target, at) = found.node.known != nil ? (found.dir, found.node) : found.deepestKnown
        if let id = at.known?.id, visitedDirs.contains(id) { return }
        if let why = beyondBounds(at) {
            skip(at, why, tampering: true)
            return
        }
        try visit(target, at, onlyNewChildren: true, into: &stack)
    }

    typealias Descended = (dir: Descriptor, node: Node, deepestKnown: (Descriptor, Node))

    /// Opens `path` below the root one level at a time without following symlinks, on the
    /// volume's device. nil when it is no longer there: then the index's directory there is
    /// gone with its subtree.
    mutating func descend(_ root: Descriptor, _ top: Node, _ path: [UInt8], device: UInt64) throws -> Descended? {
        var dir = root
        var node = top
        var deepestKnown = (root, top)
        for component in path.split(separator: 0x2F) {
            let name = Array(component)
            guard let next = try? dir.openDirectory(cName: name.map { CChar(bitPattern: $0) } + [0]),
                let st = try? next.stat(), st.device == device
            else {
                if let gone = knownDirectory(at: path) { try vanishedSubtree(gone, path: path) }
                return nil
            }
            let track = name.withUnsafeBytes { options.classifier.directoryTrack($0, inherited: node.track) }
            node = child(of: node, name, track: track)
            dir = next
            if node.known != nil { deepestKnown = (dir, node) }
        }
        return (dir, node, deepestKnown)
    }

    /// The index's directory at `path`, found through the names of its ancestors.
    func knownDirectory(at path: [UInt8]) -> IndexReader.KnownDirectory? {
        var dir = known.root
        for component in path.split(separator: 0x2F) {
            guard let id = dir?.id else { return nil }
            dir = known.child(of: id, Array(component))
        }
        return dir
    }

    /// The node of a child directory: its row when the index has one, else a new number.
    mutating func child(of parent: Node, _ name: [UInt8], track: String?) -> Node {
        let row = parent.known.flatMap { known.child(of: $0.id, name) }
        return Node(
            path: join(parent.path, name), ref: row.map { .known($0.id) } ?? newRef(), parent: parent.ref, name: name,
            known: row, track: track, depth: parent.depth + 1)
    }

    mutating func newRef() -> DirRef {
        nextNew += 1
        return .new(nextNew)
    }

    /// Why a directory is not walked (security rule 10: deeper than `index.max_depth`, or its
    /// host path longer than PATH_MAX), or nil.
    func beyondBounds(_ node: Node) -> String? {
        if node.depth > options.maxDepth {
            return "deeper than \(options.maxDepth) levels (index.max_depth): not indexed, as tampering"
        }
        if volumePath.utf8.count + 1 + node.path.count >= ScanOptions.pathMax {
            return "path longer than PATH_MAX (\(ScanOptions.pathMax) bytes): not indexed, as tampering"
        }
        return nil
    }

    /// The volume directory is gone: every live file the index has for it is deleted.
    mutating func walkGone() throws {
        known = try reader.directories(volumeID)
        if let top = known.root { try vanishedSubtree(top, path: []) }
    }

    /// Queues the children the last directory listed; those beyond the bounds are skipped,
    /// reported once for the directory.
    mutating func push(parent dir: Descriptor, _ node: Node, into stack: inout [Pending]) {
        var beyond: (first: [UInt8], count: Int, why: String)?
        for (name, track) in pendingChildren {
            let next = child(of: node, name.dropLast().map { UInt8(bitPattern: $0) }, track: track)
            if let why = beyondBounds(next) {
                if let id = next.known?.id { skippedDirs.insert(id) }
                beyond = (beyond?.first ?? next.path, (beyond?.count ?? 0) + 1, beyond?.why ?? why)
                continue
            }
            stack.append(Pending(parent: dir, name: name, node: next))
        }
        pendingChildren.removeAll(keepingCapacity: true)
        if let beyond {
            let more = beyond.count == 1 ? "" : " (with \(beyond.count - 1) more beside it)"
            report(beyond.first, beyond.why + more, tampering: true)
        }
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
