import HostFS

/// Merges stale (or orphan) directories into a PVC's current directory, by descriptor and never
/// overwriting (design.md security rules 1, 3, 5 and 10):
///
/// - the source is walked as the VolumeWalker walks a volume: `openat(O_NOFOLLOW)` one level at
///   a time, on the source's device, iteratively, within `index.max_depth` and PATH_MAX;
/// - only regular files with one link are adopted; symlinks, FIFOs, sockets and devices are
///   skipped, hard-linked files and names with control bytes refused;
/// - a file the destination already holds identically (same size and sha256) is skipped; one
///   whose name holds something else goes beside as `NAME.adopted-<pv>`;
/// - the destination's directories are opened with `O_NOFOLLOW` too, or made (mkdirat) and given
///   to the volume's owner; files are written by `Descriptor.copyFile` (or renamed, `--move`);
/// - nothing in the source is ever deleted or changed, and a dry run changes nothing at all
///   (files and directories are read with `O_NOATIME`).
struct Adopter {
    let destination: Descriptor
    let destinationPath: String
    let owner: Owner
    let apply: Bool
    /// Rename instead of copy; only when source and destination share a file system.
    var move: Bool
    let maxDepth: Int
    let buffer = LineCountBuffer()

    private(set) var items: [AdoptItem] = []
    /// A dry run's destinations so far (relative to the destination), with the digest of what
    /// would land there when it was computed: a second stale directory sees the first one's plan.
    var planned: [[UInt8]: ContentDigest?] = [:]
    /// Directories of the destination (its root and those made) as device and inode: the
    /// source walk never enters one, so a source that holds the destination cannot feed itself.
    var excluded: Set<[UInt64]> = []
    let destinationDevice: UInt64

    /// The source being adopted: its descriptor root, host path, device and `.adopted-<pv>` suffix.
    var sourcePath = ""
    var sourceDevice: UInt64 = 0
    var suffix: [UInt8] = []

    static let pathMax = 4096
    static let nameMax = 255

    init(
        destination: Descriptor, path: String, owner: Owner, apply: Bool, move: Bool, maxDepth: Int
    ) throws(SystemError) {
        self.destination = destination
        destinationPath = path
        self.owner = owner
        self.apply = apply
        self.move = move
        self.maxDepth = maxDepth
        let st = try destination.stat()
        destinationDevice = st.device
        excluded.insert([st.device, st.inode])
    }

    /// A directory of the walk still to enter: opened from its parent only when its turn comes,
    /// so open descriptors stay near the depth, not the number of directories waiting.
    struct Pending {
        let parent: Descriptor
        let name: [UInt8]
        /// The destination directory its contents go under (nil in a dry run when it is still to be made).
        let destinationParent: Descriptor?
        let relative: [UInt8]
        let destinationParentRelative: [UInt8]
        let depth: Int
    }

    /// Adopts everything in `source` (the directory at host path `path`); `label` names what
    /// conflicts are kept beside as (`NAME.adopted-<label>`).
    mutating func adopt(_ source: Descriptor, path: String, label: String) {
        sourcePath = path
        suffix = Array(".adopted-\(label)".utf8)
        guard let st = try? source.stat(), st.isDirectory else {
            refuse([], "cannot be read")
            return
        }
        guard !excluded.contains([st.device, st.inode]) else {
            refuse([], "is the current directory itself")
            return
        }
        sourceDevice = st.device
        var stack: [Pending] = []
        list(source, destination: destination, relative: [], destinationRelative: [], depth: 0, into: &stack)
        while let next = stack.popLast() { enter(next, into: &stack) }
    }

    mutating func enter(_ next: Pending, into stack: inout [Pending]) {
        let dir: Descriptor
        do {
            dir = try next.parent.openDirectoryQuietly(cName(next.name))
        } catch {
            if error.isVanished { return }
            let why =
                error.looksLikeTampering ? "replaced by a non-directory while adopting: not entered" : error.message
            return refuse(next.relative, why)
        }
        guard let st = try? dir.stat(), st.isDirectory else { return refuse(next.relative, "cannot be read") }
        guard st.device == sourceDevice else { return skip(next.relative, "on another file system: not entered") }
        guard !excluded.contains([st.device, st.inode]) else {
            return skip(next.relative, "the current directory (or a part of it made now): not entered")
        }
        var target: Descriptor?
        var targetRelative = Self.join(next.destinationParentRelative, next.name)
        if let parent = next.destinationParent {
            switch destinationDirectory(
                in: parent, next.name, parentRelative: next.destinationParentRelative, mode: st.permissions)
            {
            case .failure(let why): return refuse(next.relative, why.text)
            case .success(let made):
                target = made.dir
                targetRelative = made.relative
            }
        }
        list(
            dir, destination: target, relative: next.relative, destinationRelative: targetRelative, depth: next.depth,
            into: &stack)
    }

    /// Every entry of `dir`: files adopted now, directories queued.
    mutating func list(
        _ dir: Descriptor, destination: Descriptor?, relative: [UInt8], destinationRelative: [UInt8], depth: Int,
        into stack: inout [Pending]
    ) {
        do {
            try dir.forEachEntry { entry in
                let name = Array(entry.nameBytes)
                let path = Self.join(relative, name)
                if name.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
                    return refuse(path, "name contains control characters: not adopted (tampering)")
                }
                var type = entry.type
                if type == .unknown { type = (try? dir.stat(named: entry.name))?.type ?? .unknown }
                switch type {
                case .directory:
                    if depth + 1 > maxDepth {
                        return refuse(
                            path, "deeper than \(maxDepth) levels (index.max_depth): not entered, as tampering")
                    }
                    if sourcePath.utf8.count + 1 + path.count >= Self.pathMax {
                        return refuse(
                            path, "path longer than PATH_MAX (\(Self.pathMax) bytes): not entered, as tampering")
                    }
                    stack.append(
                        Pending(
                            parent: dir, name: name, destinationParent: destination, relative: path,
                            destinationParentRelative: destinationRelative, depth: depth + 1))
                case .regular:
                    file(dir, name, relative: path, destination: destination, destinationRelative: destinationRelative)
                case .symlink: skip(path, "a symlink: never followed or copied")
                case .fifo: skip(path, "a FIFO: not copied")
                case .socket: skip(path, "a socket: not copied")
                case .characterDevice, .blockDevice: skip(path, "a device: not copied")
                case .unknown: skip(path, "could not be examined")
                }
            }
        } catch {
            refuse(relative, "cannot be listed: \(error)")
        }
    }

    struct Why: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }

    /// The destination directory for a source directory `name`: the one there, or one made now
    /// (in a dry run, nil: to be made). A non-directory in its place sends it beside as
    /// `NAME.adopted-<pv>`.
    mutating func destinationDirectory(
        in parent: Descriptor, _ name: [UInt8], parentRelative: [UInt8], mode: UInt32
    ) -> Result<(dir: Descriptor?, relative: [UInt8]), Why> {
        for candidate in [name, name + suffix] {
            guard candidate.count <= Self.nameMax else {
                return .failure(Why("its destination name would be longer than \(Self.nameMax) bytes"))
            }
            let relative = Self.join(parentRelative, candidate)
            guard destinationPath.utf8.count + 1 + relative.count < Self.pathMax else {
                return .failure(Why("its destination path would be longer than PATH_MAX (\(Self.pathMax) bytes)"))
            }
            let c = cName(candidate)
            do {
                let st = try parent.stat(c)
                guard st.isDirectory else { continue }
            } catch  where error.isVanished {
                guard apply else { return .success((nil, relative)) }
                do { try parent.makeDirectory(c, mode: 0o700) } catch  where error.code == .exists {} catch {
                    return .failure(Why("cannot make \(display(destinationPath, relative)): \(error.message)"))
                }
                return open(parent, c, relative: relative, made: true, mode: mode)
            } catch {
                return .failure(Why("cannot examine \(display(destinationPath, relative)): \(error.message)"))
            }
            return open(parent, c, relative: relative, made: false, mode: mode)
        }
        return .failure(
            Why(
                "\(display(destinationPath, Self.join(parentRelative, name))) and its .adopted name are not directories"
            ))
    }

    /// Opens a destination directory without following a symlink; one made now is given to the
    /// owner with the source directory's permissions.
    mutating func open(
        _ parent: Descriptor, _ c: [CChar], relative: [UInt8], made: Bool, mode: UInt32
    ) -> Result<(dir: Descriptor?, relative: [UInt8]), Why> {
        let dir: Descriptor
        let st: FileStat
        do {
            dir = try parent.openDirectoryQuietly(c)
            st = try dir.stat()
        } catch {
            let why = error.looksLikeTampering ? "was replaced by a non-directory" : error.message
            return .failure(Why("destination \(display(destinationPath, relative)) \(why)"))
        }
        guard st.device == destinationDevice else {
            return .failure(Why("destination \(display(destinationPath, relative)) is on another file system"))
        }
        if made {
            excluded.insert([st.device, st.inode])
            do {
                try dir.chown(uid: owner.uid, gid: owner.gid)
                try dir.setMode(mode & 0o777 | 0o700)
            } catch {
                return .failure(Why("cannot give \(display(destinationPath, relative)) to \(owner): \(error.message)"))
            }
        }
        return .success((dir, relative))
    }

    mutating func record(
        _ relative: [UInt8], _ action: AdoptItem.Action, to destination: [UInt8]?, bytes: Int64, _ detail: String?
    ) {
        items.append(
            AdoptItem(
                source: Self.host(sourcePath, relative),
                destination: destination.map { Self.host(destinationPath, $0) },
                action: action, bytes: bytes, detail: detail))
    }

    mutating func refuse(_ relative: [UInt8], _ why: String) { record(relative, .refused, to: nil, bytes: 0, why) }

    mutating func skip(_ relative: [UInt8], _ why: String) { record(relative, .skip, to: nil, bytes: 0, why) }

    func cName(_ bytes: [UInt8]) -> [CChar] { bytes.map { CChar(bitPattern: $0) } + [0] }

    func display(_ base: String, _ relative: [UInt8]) -> String { RawName.display(Self.host(base, relative)) }

    static func host(_ base: String, _ relative: [UInt8]) -> [UInt8] {
        relative.isEmpty ? Array(base.utf8) : Array(base.utf8) + [0x2F] + relative
    }

    static func join(_ path: [UInt8], _ name: [UInt8]) -> [UInt8] { path.isEmpty ? name : path + [0x2F] + name }
}
