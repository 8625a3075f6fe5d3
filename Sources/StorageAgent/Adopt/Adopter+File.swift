import HostFS

/// One regular file of the source: where it goes, and the copy or rename.
extension Adopter {
    /// Where a file goes: a free name (its own, or `NAME.adopted-<pv>` beside a different file),
    /// nowhere because the destination already holds it, or nowhere for a reason.
    enum Placement {
        case free(relative: [UInt8], beside: Bool)
        case identical(relative: [UInt8], beside: Bool)
        case refused(String)
    }

    mutating func file(
        _ dir: Descriptor, _ name: [UInt8], relative: [UInt8], destination: Descriptor?, destinationRelative: [UInt8]
    ) {
        guard sourcePath.utf8.count + 1 + relative.count < Self.pathMax else {
            return refuse(relative, "path longer than PATH_MAX (\(Self.pathMax) bytes): not adopted, as tampering")
        }
        let sourceFile: OpenFile
        do {
            sourceFile = try dir.openFileQuietly(cName(name))
        } catch {
            if error.isVanished { return }
            if error.code == .loop { return skip(relative, "a symlink: never followed or copied") }
            return refuse(relative, "cannot be opened: \(error.message)")
        }
        guard let st = sourceFile.stat() else { return refuse(relative, "cannot be examined") }
        guard st.isRegular else { return refuse(relative, "replaced by something else while adopting") }
        guard st.device == sourceDevice else { return skip(relative, "on another file system: not copied") }
        guard st.links == 1 else {
            return refuse(
                relative,
                "hard-linked (\(st.links) links): it may be a file outside the volume; copy it by hand if it is the volume's"
            )
        }
        let shown = display(sourcePath, relative)
        var digest: ContentDigest?
        let placement = place(
            name, size: st.size, in: destination, parentRelative: destinationRelative, source: sourceFile,
            sourcePath: shown, digest: &digest)
        switch placement {
        case .refused(let why):
            refuse(relative, why)
        case .identical(let at, let beside):
            record(
                relative, .skip, to: at, bytes: st.size,
                beside ? "already adopted beside (same size and sha256)" : "already there (same size and sha256)")
        case .free(let at, let beside):
            let action: AdoptItem.Action = beside ? .conflict : move ? .move : .copy
            let detail = beside ? "a different file has its name: kept beside" : nil
            guard apply, let destination else {
                planned[at] = digest
                return record(relative, action, to: at, bytes: st.size, detail)
            }
            let target = cName(Array(at.split(separator: 0x2F, omittingEmptySubsequences: false).last ?? []))
            let outcome =
                move
                ? rename(dir, name, st, sourceFile, to: destination, target)
                : copy(sourceFile, st, to: destination, target, sourcePath: shown)
            if let failure = outcome { return record(relative, .refused, to: at, bytes: st.size, failure) }
            record(relative, action, to: at, bytes: st.size, detail.map { $0 + (move ? " (moved)" : " (copied)") })
        }
    }

    /// Looks at the file's own name in the destination, then at `NAME.adopted-<pv>`.
    mutating func place(
        _ name: [UInt8], size: Int64, in destination: Descriptor?, parentRelative: [UInt8], source: borrowing OpenFile,
        sourcePath: String, digest: inout ContentDigest?
    ) -> Placement {
        for (candidate, beside) in [(name, false), (name + suffix, true)] {
            guard candidate.count <= Self.nameMax else {
                return .refused("a different file has its name, and NAME\(suffixText) would be longer than 255 bytes")
            }
            let relative = Self.join(parentRelative, candidate)
            guard destinationPath.utf8.count + 1 + relative.count < Self.pathMax else {
                return .refused("its destination path would be longer than PATH_MAX (\(Self.pathMax) bytes)")
            }
            if !apply, let earlier = planned[relative] {
                // An earlier source of this run plans a file here.
                guard let earlier, let mine = try? sourceDigest(source, sourcePath, &digest), earlier == mine else {
                    continue
                }
                return .identical(relative: relative, beside: beside)
            }
            guard let destination else { return .free(relative: relative, beside: beside) }
            let c = cName(candidate)
            let st: FileStat
            do {
                st = try destination.stat(c)
            } catch  where error.isVanished {
                return .free(relative: relative, beside: beside)
            } catch {
                return .refused("cannot examine \(display(destinationPath, relative)): \(error.message)")
            }
            guard st.isRegular, st.size == size else { continue }
            do {
                let existing = try destination.openFileQuietly(c)
                guard let est = existing.stat(), est.isRegular else { continue }
                let theirs = try existing.contentDigest(buffer: buffer, path: display(destinationPath, relative))
                if try sourceDigest(source, sourcePath, &digest) == theirs {
                    return .identical(relative: relative, beside: beside)
                }
            } catch {
                return .refused("cannot compare with \(display(destinationPath, relative)): \(error.message)")
            }
        }
        return .refused("a different file has its name, and so has NAME\(suffixText): nothing replaced")
    }

    var suffixText: String { RawName.display(suffix) }

    /// The source's digest, read once.
    func sourceDigest(_ source: borrowing OpenFile, _ path: String, _ digest: inout ContentDigest?) throws(SystemError)
        -> ContentDigest
    {
        if let digest { return digest }
        let d = try source.contentDigest(buffer: buffer, path: path)
        digest = d
        return d
    }

    /// Copies by descriptor (Descriptor.copyFile); nil when done, else why not.
    func copy(
        _ source: borrowing OpenFile, _ st: FileStat, to destination: Descriptor, _ name: [CChar], sourcePath: String
    )
        -> String?
    {
        do {
            _ = try destination.copyFile(
                from: source, size: st.size, to: name,
                target: CopyTarget(owner: owner, mode: st.permissions, mtimeNs: st.mtimeNs), buffer: buffer,
                sourcePath: sourcePath)
            return nil
        } catch  where error.code == .exists {
            return "something appeared under its name while copying: nothing replaced"
        } catch {
            return "copy failed: \(error.call): \(error.message)"
        }
    }

    /// Renames the file into the destination (`RENAME_NOREPLACE`), then checks that what landed
    /// is the inode that was checked (a name can be swapped between the check and the rename)
    /// and gives it to the owner through the descriptor that was checked; nil when done.
    func rename(
        _ dir: Descriptor, _ name: [UInt8], _ st: FileStat, _ file: borrowing OpenFile, to destination: Descriptor,
        _ target: [CChar]
    ) -> String? {
        do {
            try dir.moveNoReplace(cName(name), to: destination, as: target)
        } catch  where error.code == .exists {
            return "something appeared under its name while moving: nothing replaced"
        } catch {
            return "move failed: \(error.message)"
        }
        guard let landed = try? destination.stat(target), landed.inode == st.inode, landed.device == st.device else {
            // Something else was swapped in under the source's name: it goes back where it was.
            let back = (try? destination.moveNoReplace(target, to: dir, as: cName(name))) != nil
            return "replaced by another file while moving; "
                + (back ? "that file was put back" : "left where it landed")
        }
        do {
            try file.changeOwner(uid: owner.uid, gid: owner.gid)
            if st.mode & 0o6000 != 0 { try file.setMode(st.permissions & 0o777) }
        } catch {
            return "moved, but cannot give it to \(owner): \(error.message)"
        }
        return nil
    }
}
