import HostFS

/// An inotify batch for some names of a directory: each name is looked at by itself (fstatat and
/// its row), and the directory's digest is moved by what changed, so a directory of 200,000
/// files costs one batch what its few changed names cost.
extension VolumeWalker {
    mutating func revisit(
        _ root: Descriptor, _ top: Node, _ path: [UInt8], names: Set<[UInt8]>, device: UInt64,
        into stack: inout [Pending]
    ) throws {
        guard !names.isEmpty else { return }
        guard let found = try descend(root, top, path, device: device) else { return }
        let (dir, node) = (found.dir, found.node)
        // New to the index, or no digest to move: read it whole once.
        guard let known = node.known, let stored = known.digest, !skippedDirs.contains(known.id) else {
            return try reread(found, into: &stack)
        }
        guard visitedDirs.insert(known.id).inserted else { return }
        digest = DirectoryDigest(key: digestKey, value: stored)
        var batch = DirectoryBatch(
            volumeID: volumeID, path: node.path, dir: node.ref, parent: node.parent, name: node.name)
        for name in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) where Self.isName(name) {
            let cName = name.map { CChar(bitPattern: $0) } + [0]
            try cName.withUnsafeBufferPointer { p in
                try look(dir, EntryName(p.baseAddress!, length: name.count), in: node, id: known.id, into: &batch)
            }
        }
        if !batch.isEmpty || digest.value != stored {
            batch.digest = digest.value
            try send(.directory(batch))
        }
        // A subdirectory that appeared is walked whole (and watched).
        push(parent: dir, node, into: &stack)
    }

    /// What inotify can name in a directory: one component, no NUL.
    static func isName(_ name: [UInt8]) -> Bool {
        !name.isEmpty && !name.contains(0x2F) && !name.contains(0) && name != [0x2E] && name != [0x2E, 0x2E]
    }

    /// One name: its file's row brought up to date (new, changed, gone) and the digest moved
    /// by the difference; a directory by that name is queued when new, gone with its subtree
    /// when it went.
    mutating func look(
        _ dir: Descriptor, _ entry: EntryName, in node: Node, id: Int64, into batch: inout DirectoryBatch
    ) throws {
        let name = Array(entry.nameBytes)
        let old = try reader.file(inDirectory: id, named: name)
        if let old, !old.deleted {
            digest.remove(name: name, inode: old.inode, size: old.size, mtimeNs: old.mtimeNs, ctimeNs: old.ctimeNs)
        }
        let st = try? dir.stat(named: entry.name)
        let subdirectory = known.child(of: id, name)
        if st?.type == .directory {
            if subdirectory == nil {
                let track = options.classifier.directoryTrack(entry.nameBytes, inherited: node.track)
                pendingChildren.append((Array(UnsafeBufferPointer(start: entry.name, count: name.count + 1)), track))
            }
        } else if let subdirectory {
            try vanishedSubtree(subdirectory, path: join(node.path, name))
        }
        var rows: [NameKey: IndexReader.Row] = [:]
        if let old { rows[NameKey(bytes: name)] = old }
        if let st, st.isRegular, options.include.contains(where: { $0.matches(entry.name, length: name.count) }) {
            if beyondPathMax(node.path, name.count) {
                rows.removeAll()  // left out, not gone
                reportLongFiles(1, in: node.path)
            } else {
                file(dir, entry, path: node.path, track: node.track, rows: &rows, into: &batch)
            }
        }
        for (key, row) in rows where !row.deleted {
            batch.deletions.append(
                Deletion(
                    id: row.id, relativePath: join(node.path, key.bytes), size: row.size, mtimeNs: row.mtimeNs,
                    track: row.track))
        }
        if batch.count >= Self.batchLimit { try flush(&batch) }
    }
}
