import HostFS
import PVCResolver

/// One directory of a walk: its files classified, counted and diffed against the index.
extension VolumeWalker {
    mutating func directory(_ dir: Descriptor, path: [UInt8], track: String?) throws {
        let known = knownDirs[NameKey(bytes: path)]
        let dirID = known?.id
        if let dirID { visitedDirs.insert(dirID) }
        if let stored = known?.digest, unchanged(dir, stored: stored, track: track) { return }
        digest = DirectoryDigest(key: digestKey)
        var rows = try dirID.map { try reader.files(inDirectory: $0) } ?? [:]
        var batch = DirectoryBatch(volumeID: volumeID, path: path, dirID: dirID)
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
    mutating func unchanged(_ dir: Descriptor, stored: UInt64, track: String?) -> Bool {
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

    mutating func file(
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
        guard let counted = handle.countNewlines(from: from, buffer: buffer, progress: options.progress) else {
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

    mutating func account(size: Int64, mtimeNs: Int64) {
        totals.files += 1
        totals.bytes += size
        if mtimeNs > totals.lastWriteNs { totals.lastWriteNs = mtimeNs }
    }

    /// Directories the index knows that this walk did not reach: their live files are gone,
    /// unless they sit under a subtree the walk could not read.
    mutating func vanishedDirectories() throws {
        try vanished { _ in true }
    }

    /// Marks the live files of every known, unvisited directory whose path `matches` as deleted.
    mutating func vanished(_ matches: ([UInt8]) -> Bool) throws {
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

    mutating func skip(_ relative: [UInt8]?, _ reason: String, display: [UInt8]? = nil) {
        if let relative { skippedPrefixes.append(relative) }
        let shown = display ?? relative ?? []
        totals.skipped.append(
            SkippedPath(path: shown.isEmpty ? volumePath : volumePath + "/" + RawName.display(shown), reason: reason))
    }

    func join(_ path: [UInt8], _ name: [UInt8]) -> [UInt8] {
        path.isEmpty ? name : path + [0x2F] + name
    }
}
