import HostFS
import Inventory

/// Places rescued copies into the PVC that should have held them (`rescue restore`): the
/// container path minus the volume's `mount:`. Never overwrites: a different file under the
/// name gets the copy beside it as `NAME.rescued-<pod>`; an identical one (size and sha256) is
/// left alone. Directories and files are reached and made by descriptor (`O_NOFOLLOW`), given
/// to the volume's owner, and each copy is verified against the sha256 recorded when it was rescued.
struct Restorer {
    let area: RescueArea
    let destination: Descriptor
    let destinationPath: String
    let owner: Owner
    let apply: Bool
    let buffer = LineCountBuffer()
    private(set) var items: [AdoptItem] = []
    /// A dry run's planned files (relative to the destination) and their sha256.
    private var planned: [[UInt8]: String] = [:]

    init(area: RescueArea, destination: Descriptor, path: String, owner: Owner, apply: Bool) {
        self.area = area
        self.destination = destination
        destinationPath = path
        self.owner = owner
        self.apply = apply
    }

    /// Restores copy `r` to `relative` (raw bytes below the PVC directory).
    mutating func restore(_ r: RescuedRecord, to relative: [UInt8]) {
        let source = r.rescuedPath
        let parts = relative.split(separator: 0x2F).map { Array($0) }
        guard let name = parts.last, parts.allSatisfy({ $0 != [0x2E] && $0 != [0x2E, 0x2E] }) else {
            return record(source, .refused, nil, r.bytes, "no file name below the mount path")
        }
        guard let stored = area.split(r.rescuedPath) else {
            return record(source, .refused, nil, r.bytes, "not in rescue.directory \(area.path) (it was another then)")
        }
        let copy: OpenFile
        do {
            copy = try area.directory(stored.directories, create: false).openFileQuietly(
                RescueArea.cName(stored.name))
        } catch {
            return record(source, .refused, nil, r.bytes, "the rescued copy cannot be opened: \(error.message)")
        }
        guard let st = copy.stat(), st.isRegular else {
            return record(source, .refused, nil, r.bytes, "the rescued copy is not a regular file")
        }
        guard (try? copy.contentDigest(buffer: buffer, path: RawName.display(source)))?.hex == r.sha256 else {
            return record(source, .refused, nil, r.bytes, "the rescued copy no longer matches its recorded sha256")
        }
        var dir: Descriptor? = destination
        for part in parts.dropLast() {
            switch directory(part, in: dir) {
            case .success(let d): dir = d
            case .failure(let why): return record(source, .refused, nil, r.bytes, why.text)
            }
        }
        let parent = Array(parts.dropLast().joined(separator: [0x2F]))
        let label = Array(".rescued-\(r.pod ?? "snapshot-\(r.snapshot)")".utf8)
        let candidates = [name, name + label, name + label + Array("-gen\(r.generation)".utf8)]
        for (n, candidate) in candidates.enumerated() {
            let at = parent.isEmpty ? candidate : parent + [0x2F] + candidate
            let target = Self.host(destinationPath, at)
            guard candidate.count <= 255 else { break }
            switch holds(candidate, at: at, in: dir, sha256: r.sha256, size: st.size) {
            case .identical:
                return record(source, .skip, target, r.bytes, "already there (same size and sha256)")
            case .other: continue
            case .free: break
            }
            let detail = n == 0 ? nil : "a different file has its name: kept beside"
            guard apply, let dir else {
                planned[at] = r.sha256
                return record(source, n == 0 ? .copy : .conflict, target, r.bytes, detail)
            }
            do {
                let digest = try dir.copyFile(
                    from: copy, size: st.size, to: RescueArea.cName(candidate),
                    target: CopyTarget(owner: owner, mode: st.permissions, mtimeNs: st.mtimeNs), buffer: buffer,
                    sourcePath: RawName.display(source))
                guard digest.hex == r.sha256 else {
                    return record(source, .refused, target, r.bytes, "copied, but its sha256 differs from the rescue's")
                }
                return record(source, n == 0 ? .copy : .conflict, target, r.bytes, detail.map { $0 + " (copied)" })
            } catch  where error.code == .exists {
                continue
            } catch {
                return record(source, .refused, target, r.bytes, "copy failed: \(error.call): \(error.message)")
            }
        }
        record(source, .refused, nil, r.bytes, "a different file has its name, and so have its .rescued names")
    }

    enum Holding { case free, identical, other }

    /// What the destination (or this dry run's plan) holds under `name`.
    private func holds(_ name: [UInt8], at relative: [UInt8], in dir: Descriptor?, sha256: String, size: Int64)
        -> Holding
    {
        if let earlier = planned[relative] { return earlier == sha256 ? .identical : .other }
        guard let dir else { return .free }
        let c = RescueArea.cName(name)
        do {
            let st = try dir.stat(c)
            guard st.isRegular, st.size == size else { return .other }
            let existing = try dir.openFileQuietly(c)
            let digest = try existing.contentDigest(buffer: buffer, path: RawName.display(relative))
            return digest.hex == sha256 ? .identical : .other
        } catch  where error.isVanished {
            return .free
        } catch {
            return .other
        }
    }

    struct Why: Error {
        let text: String
    }

    /// A destination directory: the one there (never through a symlink), or one made now and given
    /// to the owner (in a dry run, nil: to be made).
    private func directory(_ name: [UInt8], in parent: Descriptor?) -> Result<Descriptor?, Why> {
        guard let parent else { return .success(nil) }
        let c = RescueArea.cName(name)
        do {
            return .success(try parent.openDirectoryQuietly(c))
        } catch  where error.isVanished {
            guard apply else { return .success(nil) }
            do {
                try parent.makeDirectory(c, mode: 0o755)
                let made = try parent.openDirectoryQuietly(c)
                try made.chown(uid: owner.uid, gid: owner.gid)
                return .success(made)
            } catch {
                return .failure(Why(text: "cannot make a directory in \(parent.displayPath): \(error.message)"))
            }
        } catch {
            let why = error.looksLikeTampering ? "is not a directory (a symlink?)" : error.message
            return .failure(Why(text: "\(RawName.display(Array(parent.displayPath.utf8) + [0x2F] + name)) \(why)"))
        }
    }

    private mutating func record(
        _ source: [UInt8], _ action: AdoptItem.Action, _ destination: [UInt8]?, _ bytes: Int64, _ detail: String?
    ) {
        items.append(AdoptItem(source: source, destination: destination, action: action, bytes: bytes, detail: detail))
    }

    static func host(_ base: String, _ relative: [UInt8]) -> [UInt8] { Array(base.utf8) + [0x2F] + relative }
}
