import Glibc
import HostFS
import PVCResolver

/// Walks one volume by file descriptor and applies what changed to the index.
///
/// Iterative (a deep tree cannot blow the stack); a pending directory holds a reference to its
/// parent's descriptor only until it is opened, so open descriptors stay near the number of
/// ancestors with unvisited siblings.
struct VolumeWalker {
    let volumeID: Int64
    let volumePath: String
    let statements: ScanStatements
    let options: ScanOptions
    let now: Int64
    var report = ScanReport()
    let buffer = LineCountBuffer()

    private var lastWriteNs: Int64 = 0
    private var knownDirs: [[UInt8]: Int64] = [:]
    private var visitedDirs: Set<Int64> = []
    private var skippedPrefixes: [[UInt8]] = []

    init(volumeID: Int64, volumePath: String, statements: ScanStatements, options: ScanOptions, now: Int64) {
        self.volumeID = volumeID
        self.volumePath = volumePath
        self.statements = statements
        self.options = options
        self.now = now
    }

    private struct Pending {
        let parent: Descriptor
        let name: [CChar]  // NUL-terminated
        let path: [UInt8]
        let track: String?
    }

    /// Rows of one directory as the index has them, keyed by raw name.
    private struct Row {
        var id: Int64
        var inode: UInt64
        var size: Int64
        var mtimeNs: Int64
        var ctimeNs: Int64
        var lines: Int64
        var deleted: Bool
        var track: String?
    }

    mutating func walk(_ volume: Volume) throws {
        let root: Descriptor
        do {
            root = try Self.open(volume)
        } catch {
            // The volume could not be opened: index nothing, delete nothing.
            report.skipped.append(SkippedPath(path: volume.path, reason: error.message))
            return
        }
        let rootStat = try root.stat()
        try loadDirs()
        try directory(root, path: [], track: nil)
        var stack: [Pending] = []
        try pushChildren(of: root, path: [], track: nil, device: rootStat.device, into: &stack)
        while let next = stack.popLast() {
            let display = displayPath(next.path)
            let dir: Descriptor
            do {
                dir = try Self.openChild(next.parent, next.name)
            } catch {
                skip(next.path, display, error.looksLikeTampering ? "replaced by a non-directory while scanning (skipped)" : error.message)
                continue
            }
            let st = try dir.stat()
            guard st.device == rootStat.device else {
                skip(next.path, display, "on another file system (not indexed)")
                continue
            }
            try directory(dir, path: next.path, track: next.track)
            try pushChildren(of: dir, path: next.path, track: next.track, device: rootStat.device, into: &stack)
        }
        try markVanishedDirectories()
        try statements.updateVolumeStmt.bind(
            .int(volumeID), .int(rootStat.uid), .int(rootStat.gid), .int(report.files), .int(report.bytes),
            .int(lastWriteNs == 0 ? nil : lastWriteNs), .int(now)
        ).run()
    }

    static func openChild(_ parent: Descriptor, _ name: [CChar]) throws(SystemError) -> Descriptor {
        try name.withUnsafeBufferPointer { (p) throws(SystemError) -> Descriptor in try parent.openDirectory(named: p.baseAddress!) }
    }

    /// Opens a volume from its storage root down, refusing a symlink at every level below the root.
    static func open(_ volume: Volume) throws(SystemError) -> Descriptor {
        guard let root = volume.root else { return try Descriptor.openDirectory(path: volume.path) }
        var dir = try Descriptor.openDirectory(path: root)
        for component in volume.components {
            dir = try openChild(dir, Array(component.utf8CString))
        }
        return dir
    }

    mutating func markVolumeGone() throws {
        try loadDirs()
        try markVanishedDirectories()
        try statements.goneVolumeStmt.bind(.int(volumeID), .int(now)).run()
    }

    // MARK: - One directory

    private mutating func pushChildren(
        of dir: Descriptor, path: [UInt8], track: String?, device: UInt64, into stack: inout [Pending]
    ) throws {
        // Children were collected by `directory`; re-listing is avoided by keeping them there.
        for (name, childTrack) in pendingChildren {
            var childPath = path
            if !childPath.isEmpty { childPath.append(0x2F) }
            childPath.append(contentsOf: name.dropLast().map { UInt8(bitPattern: $0) })
            stack.append(Pending(parent: dir, name: name, path: childPath, track: childTrack))
        }
        pendingChildren.removeAll(keepingCapacity: true)
    }

    private var pendingChildren: [([CChar], String?)] = []

    private mutating func directory(_ dir: Descriptor, path: [UInt8], track: String?) throws {
        let dirID = try dirID(for: path)
        visitedDirs.insert(dirID)
        var rows = try loadRows(dirID)
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
                    pendingChildren.append((Array(UnsafeBufferPointer(start: entry.name, count: entry.nameLength + 1)), childTrack))
                case .regular:
                    guard options.include.contains(where: { $0.matches(entry.name, length: entry.nameLength) }) else { return }
                    try file(dir, entry, dirID: dirID, track: track, rows: &rows)
                default:
                    // Symlinks, FIFOs, sockets and devices are never opened or followed.
                    return
                }
            }
        } catch let error as SystemError {
            // Part of the listing failed: keep what was seen, do not mark the rest deleted.
            skip(path, displayPath(path), error.message)
            return
        }
        for (_, row) in rows where !row.deleted {
            try delete(row.id, size: row.size, mtimeNs: row.mtimeNs, track: row.track, path: path, name: nil)
        }
    }

    private mutating func file(_ dir: Descriptor, _ entry: DirectoryEntry, dirID: Int64, track: String?, rows: inout [[UInt8]: Row]) throws {
        let name = Array(entry.nameBytes)
        let old = rows.removeValue(forKey: name)
        var st: FileStat
        do {
            st = try dir.stat(named: entry.name)
        } catch {
            // Vanished between listing and stat: handled like any deletion.
            if let old, !old.deleted { rows[name] = old }
            return
        }
        guard st.isRegular else {
            if let old, !old.deleted { rows[name] = old }
            return
        }
        let cls = options.classifier.classify(entry.nameBytes, directoryTrack: track)
        if let old, !old.deleted, old.inode == st.inode, old.size == st.size, old.mtimeNs == st.mtimeNs {
            if old.ctimeNs != st.ctimeNs || old.track != cls.track {
                try statements.updateMeta.bind(
                    .int(old.id), .int(st.ctimeNs), .int(st.uid), .int(st.gid), .text(cls.track), .int(now)
                ).run()
            }
            account(size: st.size, mtimeNs: st.mtimeNs)
            return
        }
        // Something changed (or it is new): open it, check it is still what we stat'ed, count.
        let handle: Descriptor
        do {
            handle = try dir.openFile(named: entry.name)
            st = try handle.stat()
        } catch {
            if let old, !old.deleted { rows[name] = old }
            if !error.isVanished { skip(nil, displayPath(dirPathOf: dirID, name: name), error.message) }
            return
        }
        guard st.isRegular else { return }
        var lines: Int64 = 0
        var from: Int64 = 0
        if let old, !old.deleted, old.inode == st.inode, st.size > old.size {
            // Append-only JSONL grew: count only the new bytes.
            from = old.size
            lines = old.lines
        }
        let counted = try handle.countNewlines(from: from, buffer: buffer)
        lines += counted.lines
        let size = from + counted.bytes
        report.counted += 1
        if let old {
            try statements.updateFile.bind(
                .int(old.id), .text(cls.kind), .text(cls.track), .text(cls.date), .int(cls.hour), .int(size),
                .int(lines), .int(st.mtimeNs), .int(st.ctimeNs), .int(st.inode), .int(st.device), .int(st.uid),
                .int(st.gid), .int(now)
            ).run()
            if old.deleted {
                report.created += 1
            } else {
                report.changed += 1
                let kind: ChangeEvent.Kind? = old.inode != st.inode ? .replaced : (st.size < old.size ? .truncated : nil)
                if let kind {
                    try event(kind, fileID: old.id, path: dirPathOf(dirID), name: name, track: cls.track, old: old.size, new: size, mtimeNs: st.mtimeNs)
                }
            }
        } else {
            try statements.insertFile.bind(
                .int(volumeID), .int(dirID), .blob(name), .text(cls.kind), .text(cls.track), .text(cls.date),
                .int(cls.hour), .int(size), .int(lines), .int(st.mtimeNs), .int(st.ctimeNs), .int(st.inode),
                .int(st.device), .int(st.uid), .int(st.gid), .int(now)
            ).run()
            report.created += 1
        }
        account(size: size, mtimeNs: st.mtimeNs)
    }

    private mutating func account(size: Int64, mtimeNs: Int64) {
        report.files += 1
        report.bytes += size
        if mtimeNs > lastWriteNs { lastWriteNs = mtimeNs }
    }

    // MARK: - Index rows

    private mutating func loadDirs() throws {
        statements.selectDirs.bind(.int(volumeID))
        while try statements.selectDirs.step() {
            knownDirs[statements.selectDirs.blob(1)] = statements.selectDirs.int(0)
        }
    }

    private mutating func dirID(for path: [UInt8]) throws -> Int64 {
        if let id = knownDirs[path] { return id }
        try statements.insertDir.bind(.int(volumeID), .blob(path)).run()
        let id = statements.insertDir.database.lastInsertRowID
        knownDirs[path] = id
        return id
    }

    private func dirPathOf(_ id: Int64) -> [UInt8] {
        knownDirs.first(where: { $0.value == id })?.key ?? []
    }

    private func loadRows(_ dirID: Int64) throws -> [[UInt8]: Row] {
        let s = statements.selectFiles
        s.bind(.int(dirID))
        var rows: [[UInt8]: Row] = [:]
        while try s.step() {
            rows[s.blob(1)] = Row(
                id: s.int(0), inode: UInt64(bitPattern: s.int(2)), size: s.int(3), mtimeNs: s.int(4), ctimeNs: s.int(5),
                lines: s.int(6), deleted: s.optionalInt(7) != nil, track: s.text(8))
        }
        return rows
    }

    private mutating func delete(_ fileID: Int64, size: Int64, mtimeNs: Int64, track: String?, path: [UInt8], name: [UInt8]?) throws {
        try statements.markDeleted.bind(.int(fileID), .int(now)).run()
        report.deleted += 1
        try event(.deleted, fileID: fileID, path: path, name: name, track: track, old: size, new: nil, mtimeNs: mtimeNs)
    }

    private mutating func event(
        _ kind: ChangeEvent.Kind, fileID: Int64, path: [UInt8], name: [UInt8]?, track: String?, old: Int64?, new: Int64?,
        mtimeNs: Int64
    ) throws {
        try statements.insertEvent.bind(.int(now), .text(kind.rawValue), .int(volumeID), .int(fileID), .int(old), .int(new)).run()
        var relative = path
        if let name {
            if !relative.isEmpty { relative.append(0x2F) }
            relative += name
        }
        report.events.append(
            ChangeEvent(kind: kind, volumePath: volumePath, relativePath: relative, track: track, oldSize: old, newSize: new, mtimeNs: mtimeNs))
    }

    /// Directories the index knows that this walk did not reach: their live files are gone,
    /// unless they sit under a subtree the walk could not read.
    private mutating func markVanishedDirectories() throws {
        for (path, id) in knownDirs where !visitedDirs.contains(id) {
            if skippedPrefixes.contains(where: { path == $0 || (path.starts(with: $0) && path.count > $0.count && path[$0.count] == 0x2F) }) {
                continue
            }
            let s = statements.liveInDir
            s.bind(.int(id))
            var gone: [(Int64, [UInt8], Int64, Int64, String?)] = []
            while try s.step() { gone.append((s.int(0), s.blob(1), s.int(2), s.int(3), s.text(4))) }
            for (fileID, name, size, mtime, track) in gone {
                try delete(fileID, size: size, mtimeNs: mtime, track: track, path: path, name: name)
            }
        }
    }

    private mutating func skip(_ relative: [UInt8]?, _ display: String, _ reason: String) {
        if let relative { skippedPrefixes.append(relative) }
        report.skipped.append(SkippedPath(path: display, reason: reason))
    }

    private func displayPath(_ relative: [UInt8]) -> String {
        relative.isEmpty ? volumePath : volumePath + "/" + RawName.display(relative)
    }

    private func displayPath(dirPathOf id: Int64, name: [UInt8]) -> String {
        let dir = dirPathOf(id)
        return displayPath(dir.isEmpty ? name : dir + [0x2F] + name)
    }
}
