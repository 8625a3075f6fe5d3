import Alerting
import HostFS
import Inventory
import Workloads

/// One rescue pass: copies the selected tracked files of writable layers into the rescue area,
/// incrementally, and records each copy in the index (design.md security rules 1, 5, 10, 11).
///
/// - A source is opened from the snapshots directory by descriptor, `<n>`, `fs`, then each
///   directory of its container path, never following a symlink, on the layer's own device;
///   it is read with `O_NOATIME` and never changed.
/// - New: copied whole by `Descriptor.copyFile` (unnamed until verified, then linked without
///   replacing anything). Grown: extended from where the copy ends (`Descriptor.appendFile`),
///   once the digest of the last copied block (64 KiB) says the copied prefix is unchanged.
///   Shrunk or replaced: the old copy is kept as it is and a new generation (`NAME.gen2`, ...)
///   follows the source. mtime is kept.
/// - Bounded: `rescue.max_bytes` over everything held and `rescue.min_free` on the area's file
///   system (a file that would cross either is held back, and the pass says why), at most
///   `passBudget` bytes copied per pass (the rest waits for the next), sparse files (more than
///   64 MiB of holes) and directories deeper than `index.max_depth` refused as tampering.
struct Rescuer {
    let area: RescueArea
    let settings: RescueConfig
    let snapshotsPath: String
    let maxDepth: Int
    var passBudget: Int64 = OpenFile.readBudget
    let buffer = LineCountBuffer()

    /// The block whose digest says a copied prefix is unchanged.
    static let tailBlock: Int64 = 64 << 10
    /// More holes than this: a tenant's `truncate -s 1T`, not data.
    static let sparseHoles: Int64 = 64 << 20

    /// What a source is: its layer, where in it, and whose.
    struct Source {
        let file: EphemeralFile
        let podUID: String?
        var key: [UInt8] { Array(file.snapshot.utf8) + [0] + file.containerPathBytes }
    }

    /// Copies what changed in `sources`; `between` is called before each file (false stops the pass).
    func pass(
        _ sources: [Source], inventory: Inventory, now: Int64, between: () -> Bool = { true }
    ) throws(InventoryError) -> RescueReport {
        var state = PassState(records: try inventory.rescued(), snapshotsPath: snapshotsPath, area: area)
        var report = RescueReport()
        guard let snapshots = try? Descriptor.openDirectory(path: snapshotsPath) else { return report }
        var complete = true
        for source in sources {
            guard between() else {
                complete = false
                break
            }
            if report.passBytes >= passBudget {
                report.deferred += 1
                complete = false
                continue
            }
            try rescue(source, snapshots: snapshots, state: &state, report: &report, inventory: inventory, now: now)
        }
        if complete {
            try markGone(Set(sources.map(\.key)), snapshots: snapshots, state: &state, inventory: inventory, now: now)
        }
        report.heldBytes = state.total
        return report
    }

    /// The index's copies as one pass sees and changes them.
    struct PassState {
        var records: [RescuedRecord]
        /// Index in `records` of the copy that follows each source (`Source.key`).
        var active: [[UInt8]: Int] = [:]
        var taken: Set<[UInt8]>
        var total: Int64

        /// Only copies in this area count: one made while `rescue.directory` was another is left alone.
        init(records: [RescuedRecord], snapshotsPath: String, area: RescueArea) {
            self.records = records
            taken = Set(records.map(\.rescuedPath))
            let here = records.filter { area.relative($0.rescuedPath) != nil }
            total = here.reduce(0) { $0 + $1.bytes }
            for (i, r) in records.enumerated()
            where r.active && r.snapshots == snapshotsPath && area.relative(r.rescuedPath) != nil {
                active[Array(r.snapshot.utf8) + [0] + r.containerPath] = i
            }
        }
    }

    private func rescue(
        _ source: Source, snapshots: Descriptor, state: inout PassState, report: inout RescueReport,
        inventory: Inventory, now: Int64
    ) throws(InventoryError) {
        let f = source.file
        let shown = RawName.display(f.pathBytes)
        let parts = f.containerPathBytes.split(separator: 0x2F).map { Array($0) }
        guard parts.count - 1 <= maxDepth else {
            return report.skip(shown, "deeper than \(maxDepth) levels (index.max_depth): not rescued, as tampering")
        }
        let file: OpenFile
        do {
            file = try Self.openSource(snapshots, f.snapshot, parts)
        } catch {
            if !error.isVanished { report.skip(shown, "cannot be opened: \(error.message)") }
            return
        }
        guard let st = file.stat(), st.isRegular else { return report.skip(shown, "not a regular file any more") }
        guard st.size - st.blocks * 512 <= Self.sparseHoles else {
            return report.skip(shown, "sparse (\(Format.size(st.size)) with almost no data): not rescued, as tampering")
        }
        if let i = state.active[source.key] {
            var r = state.records[i]
            if st.size == r.bytes && st.mtimeNs == r.sourceMtimeNs { return }
            if continues(r, file, st, shown) {
                let delta = st.size - r.bytes
                if let why = budgetProblem(delta, total: state.total) { return report.holdBack(delta, why) }
                do {
                    try append(&r, file, st, shown: shown, now: now)
                    try inventory.saveRescued(r)
                    state.records[i] = r
                    state.total += delta
                    report.copied(r, bytes: delta, area: area)
                    return
                } catch let error as InventoryError {
                    throw error
                } catch {
                    // The copy cannot be extended (removed by hand?): a new generation starts.
                    report.skip(RawName.display(r.rescuedPath), "cannot be extended: \(error)")
                }
            }
            r.active = false
            try inventory.saveRescued(r)
            state.records[i] = r
            state.active[source.key] = nil
        }
        if let why = budgetProblem(st.size, total: state.total) { return report.holdBack(st.size, why) }
        let base = RescueArea.containerDirectory(
            namespace: f.namespace, pod: f.pod, container: f.container, snapshot: f.snapshot)
        let directories = base + parts.dropLast()
        guard let name = parts.last else { return }
        let dir: Descriptor
        do {
            dir = try area.directory(directories, create: true)
        } catch {
            let why = error.looksLikeTampering ? "something in the rescue area is not a directory" : error.message
            return report.skip(shown, "cannot be rescued: \(why)")
        }
        let hostDir = area.host(Array(directories.joined(separator: [0x2F])))
        guard let (generation, fileName) = freeName(name, in: dir, under: hostDir, taken: state.taken) else {
            return report.skip(shown, "no free generation name for it in the rescue area")
        }
        let copy: ContentDigest
        do {
            copy = try dir.copyFile(
                from: file, size: st.size, to: RescueArea.cName(fileName),
                target: CopyTarget(owner: nil, mode: st.permissions, mtimeNs: st.mtimeNs), buffer: buffer,
                sourcePath: shown)
        } catch {
            return report.skip(shown, "copy failed: \(error.call): \(error.message)")
        }
        let tail = tailDigest(dir, fileName, size: copy.size)
        var r = RescuedRecord(
            snapshots: snapshotsPath, snapshot: f.snapshot, containerID: f.containerID, podUID: source.podUID,
            pod: f.pod, namespace: f.namespace, container: f.container, containerPath: f.containerPathBytes,
            rescuedPath: hostDir + [0x2F] + fileName, generation: generation, bytes: copy.size, sha256: copy.hex,
            hashState: copy.continuation?.resumable ?? [], tailOffset: tail.offset, tailSHA256: tail.sha256,
            sourceInode: st.inode, sourceMtimeNs: st.mtimeNs, firstCopied: now)
        r.id = try inventory.saveRescued(r)
        state.records.append(r)
        state.active[source.key] = state.records.count - 1
        state.taken.insert(r.rescuedPath)
        state.total += copy.size
        report.copied(r, bytes: copy.size, area: area)
    }

    /// Whether the source still begins with what was copied: its last copied block has the
    /// recorded digest (and, when the size did not change, the whole file the recorded sha256).
    private func continues(_ r: RescuedRecord, _ file: borrowing OpenFile, _ st: FileStat, _ shown: String) -> Bool {
        guard st.size >= r.bytes, SHA256(resuming: r.hashState) != nil,
            file.rangeDigest(from: r.tailOffset, length: r.bytes - r.tailOffset, buffer: buffer) == r.tailSHA256
        else { return false }
        guard st.size == r.bytes else { return true }
        return (try? file.contentDigest(buffer: buffer, path: shown))?.hex == r.sha256
    }

    private func append(
        _ r: inout RescuedRecord, _ file: borrowing OpenFile, _ st: FileStat, shown: String, now: Int64
    ) throws -> Void {
        guard let (directories, name) = area.split(r.rescuedPath) else {
            throw SystemError("openat", path: RawName.display(r.rescuedPath), errno: Errno.noEntry.rawValue)
        }
        let dir = try area.directory(directories, create: false)
        let digest = try dir.appendFile(
            RescueArea.cName(name), from: file, copied: r.bytes, size: st.size,
            continuing: SHA256(resuming: r.hashState)!,
            mtimeNs: st.mtimeNs, buffer: buffer, sourcePath: shown)
        let tail = tailDigest(dir, name, size: digest.size)
        r.bytes = digest.size
        r.sha256 = digest.hex
        r.hashState = digest.continuation?.resumable ?? []
        (r.tailOffset, r.tailSHA256) = (tail.offset, tail.sha256)
        r.sourceInode = st.inode
        r.sourceMtimeNs = st.mtimeNs
        r.lastCopied = now
    }

    /// The digest of the copy's last block, read back from the copy itself: what was copied.
    private func tailDigest(_ dir: Descriptor, _ name: [UInt8], size: Int64) -> (offset: Int64, sha256: [UInt8]) {
        let offset = max(0, size - Self.tailBlock)
        guard let copy = try? dir.openFileQuietly(RescueArea.cName(name)),
            let digest = copy.rangeDigest(from: offset, length: size - offset, buffer: buffer)
        else { return (offset, []) }
        return (offset, digest)
    }

    /// `NAME` when nothing holds that name (in the index or on disk), else `NAME.gen2`, `NAME.gen3`...
    private func freeName(_ name: [UInt8], in dir: Descriptor, under host: [UInt8], taken: Set<[UInt8]>)
        -> (Int64, [UInt8])?
    {
        for generation in Int64(1)...10_000 {
            let candidate = generation == 1 ? name : name + Array(".gen\(generation)".utf8)
            guard candidate.count <= 255 else { return nil }
            if taken.contains(host + [0x2F] + candidate) { continue }
            do {
                _ = try dir.stat(RescueArea.cName(candidate))
            } catch  where error.isVanished {
                return (generation, candidate)
            } catch {
                return nil
            }
        }
        return nil
    }

    /// Why `needed` more bytes may not be rescued now, or nil.
    func budgetProblem(_ needed: Int64, total: Int64) -> String? {
        if total + needed > settings.maxBytes {
            return "rescue.max_bytes (\(Format.size(settings.maxBytes))) reached"
        }
        guard let space = try? area.root.fileSystemSpace() else { return nil }
        let floor: Int64
        switch settings.minFree {
        case .percent(let p): floor = Int64(Double(space.totalBytes) * p / 100)
        case .bytes(let b): floor = b
        }
        if space.availableBytes - needed < floor {
            return "the rescue area's file system is down to rescue.min_free (\(Format.size(floor)) free)"
        }
        return nil
    }

    /// Copies whose source was not among this pass's sources and is gone from its layer (or the
    /// layer is gone): they are the only copy now.
    private func markGone(
        _ seen: Set<[UInt8]>, snapshots: Descriptor, state: inout PassState, inventory: Inventory, now: Int64
    ) throws(InventoryError) {
        for (key, i) in state.active where !seen.contains(key) {
            var r = state.records[i]
            let parts = r.containerPath.split(separator: 0x2F).map { Array($0) }
            do {
                _ = try Self.openSource(snapshots, r.snapshot, parts)
                continue
            } catch  where error.isVanished || error.code == .notDirectory {
                r.active = false
                r.sourceGoneAt = now
                try inventory.saveRescued(r)
                state.records[i] = r
            } catch {
                continue
            }
        }
    }

    /// Opens `<n>/fs/<parts...>` below the snapshots directory one `O_NOFOLLOW` step at a time;
    /// the file must be on the layer's device.
    static func openSource(_ snapshots: Descriptor, _ snapshot: String, _ parts: [[UInt8]]) throws(SystemError)
        -> OpenFile
    {
        guard let name = parts.last else { throw SystemError("openat", path: snapshot, errno: Errno.noEntry.rawValue) }
        var dir = try EphemeralScanner.openLayer(snapshots, snapshot).get()
        let device = try dir.stat().device
        for part in parts.dropLast() { dir = try dir.openDirectoryQuietly(RescueArea.cName(part)) }
        let file = try dir.openFileQuietly(RescueArea.cName(name))
        guard let st = file.stat(), st.device == device else {
            throw SystemError(
                "fstat (not on the layer's file system)", path: dir.displayPath, errno: Errno.crossDevice.rawValue)
        }
        return file
    }
}
