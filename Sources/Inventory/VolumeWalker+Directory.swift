import HostFS
import PVCResolver

/// One directory of a walk: its files classified, counted and diffed against the index.
extension VolumeWalker {
    mutating func directory(_ dir: Descriptor, _ node: Node) throws {
        let known = node.known
        let path = node.path
        let track = node.track
        if let id = known?.id { visitedDirs.insert(id) }
        if let stored = known?.digest, unchanged(dir, node, stored: stored) { return }
        digest = DirectoryDigest(key: digestKey)
        var rows = try known.map { try reader.files(inDirectory: $0.id) } ?? [:]
        var batch = DirectoryBatch(
            volumeID: volumeID, path: path, dir: node.ref, parent: node.parent, name: node.name)
        var tooLong = 0
        totals.listed += 1
        do {
            try dir.forEachEntry { entry in
                options.progress?.step()
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
                    if beyondPathMax(path, entry.nameLength) {
                        // Not indexed, and not gone either: its row (if any) stays as it was.
                        _ = rows.removeValue(forKey: NameKey(bytes: Array(entry.nameBytes)))
                        tooLong += 1
                        return
                    }
                    options.meter?.file()
                    file(dir, EntryName(entry), path: path, track: track, rows: &rows, into: &batch)
                    if batch.count >= Self.batchLimit { try flush(&batch) }
                default:
                    // Symlinks, FIFOs, sockets and devices are never opened or followed.
                    return
                }
            }
        } catch let error as SystemError {
            // Part of the listing failed: keep what was seen, do not mark the rest deleted. A
            // new directory gets its row anyway: its children's rows point at it.
            skip(node, error.message)
            if !batch.isEmpty || known == nil { try send(.directory(batch)) }
            return
        }
        if tooLong > 0 { reportLongFiles(tooLong, in: path) }
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
    mutating func unchanged(_ dir: Descriptor, _ node: Node, stored: UInt64) -> Bool {
        let track = node.track
        var tooLong = 0
        var quick = DirectoryDigest(key: digestKey)
        var children: [([CChar], String?)] = []
        var files = 0
        var bytes: Int64 = 0
        var lastWrite: Int64 = 0
        totals.listed += 1
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
                    guard options.include.contains(where: { $0.matches(entry.name, length: entry.nameLength) }) else {
                        return
                    }
                    if beyondPathMax(node.path, entry.nameLength) {
                        tooLong += 1
                        return
                    }
                    guard let s = st ?? (try? dir.stat(named: entry.name)), s.isRegular else { return }
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
        if tooLong > 0 { reportLongFiles(tooLong, in: node.path) }
        pendingChildren += children
        totals.files += files
        totals.bytes += bytes
        totals.lastWriteNs = max(totals.lastWriteNs, lastWrite)
        return true
    }

    mutating func file(
        _ dir: Descriptor, _ entry: EntryName, path: [UInt8], track: String?,
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
            if !error.isVanished { report(join(path, key.bytes), error.message) }
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
        guard
            let counted = handle.countNewlines(
                from: from, size: st.size, buffer: buffer, progress: options.progress)
        else {
            if let old, !old.deleted { rows[key] = old }
            report(join(path, key.bytes), "read failed: \(Errno.current)")
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

    mutating func account(size: Int64, mtimeNs: Int64) {
        totals.files += 1
        totals.bytes += size
        if mtimeNs > totals.lastWriteNs { totals.lastWriteNs = mtimeNs }
    }

    /// Marks the live files of `start` and of every directory below it that this walk did not
    /// reach as deleted, unless they sit under a directory it left out (skipped).
    mutating func vanishedSubtree(_ start: IndexReader.KnownDirectory, path: [UInt8]) throws {
        var stack = [(start, path)]
        var seen: Set<Int64> = []
        while let (dir, path) = stack.popLast() {
            guard !skippedDirs.contains(dir.id), seen.insert(dir.id).inserted else { continue }
            if visitedDirs.insert(dir.id).inserted {
                var batch = DirectoryBatch(volumeID: volumeID, path: path, dir: .known(dir.id))
                for row in try reader.liveFiles(inDirectory: dir.id) {
                    batch.deletions.append(
                        Deletion(
                            id: row.id, relativePath: join(path, row.name), size: row.size, mtimeNs: row.mtimeNs,
                            track: row.track))
                    if batch.count >= Self.batchLimit { try flush(&batch) }
                }
                try flush(&batch)
            }
            for (name, child) in known.children[dir.id] ?? [:] { stack.append((child, join(path, name.bytes))) }
        }
    }

    /// A directory the walk leaves out: reported, and nothing the index has under it is gone.
    mutating func skip(_ node: Node, _ reason: String, tampering: Bool = false) {
        if let id = node.known?.id { skippedDirs.insert(id) }
        report(node.path, reason, tampering: tampering)
    }

    mutating func report(_ relative: [UInt8], _ reason: String, tampering: Bool = false) {
        totals.skipped.append(
            SkippedPath(
                path: relative.isEmpty ? volumePath : volumePath + "/" + RawName.display(relative), reason: reason,
                volumePath: volumePath, tampering: tampering))
    }

    /// Whether the host path of a file in `path` would be longer than PATH_MAX.
    func beyondPathMax(_ path: [UInt8], _ nameLength: Int) -> Bool {
        volumePath.utf8.count + 1 + path.count + 1 + nameLength >= ScanOptions.pathMax
    }

    mutating func reportLongFiles(_ count: Int, in path: [UInt8]) {
        let what = count == 1 ? "a file" : "\(count) files"
        report(
            path, "\(what) here: path longer than PATH_MAX (\(ScanOptions.pathMax) bytes): not indexed, as tampering",
            tampering: true)
    }

    func join(_ path: [UInt8], _ name: [UInt8]) -> [UInt8] {
        path.isEmpty ? name : path + [0x2F] + name
    }
}

/// A name in a directory, from its listing or from an inotify event: NUL-terminated.
struct EntryName {
    let name: UnsafePointer<CChar>
    let nameLength: Int

    init(_ entry: DirectoryEntry) {
        name = entry.name
        nameLength = entry.nameLength
    }

    init(_ name: UnsafePointer<CChar>, length: Int) {
        self.name = name
        nameLength = length
    }

    var nameBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: name, count: nameLength) }
}
