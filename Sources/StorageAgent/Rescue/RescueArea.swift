import HostFS
import PVCResolver

/// `rescue.directory`: the agent's own directory, root-owned and 0700, laid out as
/// `<namespace>/<pod>/<container>/<path inside the container>`. Everything below its root is
/// reached by descriptor, one `O_NOFOLLOW` step at a time: a symlink planted anywhere in it
/// (were anyone but root able to) is refused, never followed.
struct RescueArea {
    let root: Descriptor
    let path: String

    /// Opens the area, making it (mode 0700) when `create` is set and it is missing. As root, its
    /// parent must be a directory only root can write, and every directory above it likewise or
    /// sticky (as for the index); the area itself must be a directory this user owns, and is
    /// made 0700 when it is looser.
    static func open(_ path: String, create: Bool) throws(AgentError) -> RescueArea? {
        let path = trimmed(path)
        guard let slash = path.lastIndex(of: "/") else {
            throw AgentError(.config, "rescue.directory \(path) is not an absolute path")
        }
        let parent = slash == path.startIndex ? "/" : String(path[..<slash])
        let name = String(path[path.index(after: slash)...])
        if !create && !HostPath.exists(parent) { return nil }
        if create && !HostPath.exists(parent) {
            do { try HostPath.makeDirectory(parent, mode: 0o700) } catch {
                throw AgentError(.cannotCreate, "cannot make \(parent) for the rescue area: \(error.message)")
            }
        }
        var real = parent
        if Credentials.effectiveUserID == 0 {
            switch RootTrust.checkDirectory(parent) {
            case .success(let r): real = r
            case .failure(let problem):
                throw AgentError(
                    .permission,
                    "refusing to keep the rescue area in \(path) as root: \(problem.path) is \(problem.reason)")
            }
        }
        let dir: Descriptor
        do { dir = try Descriptor.openDirectory(path: real) } catch {
            if error.isVanished && !create { return nil }
            throw AgentError(error.isPermission ? .permission : .ioError, "cannot open \(parent): \(error.message)")
        }
        let c = Array(name.utf8CString)
        if create {
            do { try dir.makeDirectory(c, mode: 0o700) } catch  where error.code == .exists {} catch {
                throw AgentError(.cannotCreate, "cannot make the rescue area \(path): \(error.message)")
            }
        }
        let root: Descriptor
        do { root = try dir.openDirectoryQuietly(c) } catch {
            if error.isVanished && !create { return nil }
            if error.looksLikeTampering {
                throw AgentError(.permission, "refusing the rescue area \(path): it is not a directory (a symlink?)")
            }
            throw AgentError(error.isPermission ? .permission : .ioError, "cannot open \(path): \(error.message)")
        }
        let st: FileStat
        do { st = try root.stat() } catch {
            throw AgentError(.ioError, "cannot check the rescue area \(path): \(error.message)")
        }
        guard RootTrust.trustedOwner(st.uid) else {
            throw AgentError(.permission, "refusing the rescue area \(path): owned by uid \(st.uid), not root")
        }
        if st.permissions & 0o7077 != 0 {
            do { try root.setMode(0o700) } catch {
                throw AgentError(.ioError, "cannot make the rescue area \(path) 0700: \(error.message)")
            }
        }
        return RescueArea(root: root, path: path)
    }

    /// The directory of relative path `components` (raw names), made 0700 where missing when
    /// `create` is set; a symlink or anything else in the way fails (ELOOP, ENOTDIR).
    func directory(_ components: [[UInt8]], create: Bool) throws(SystemError) -> Descriptor {
        var dir = root
        for part in components {
            let c = Self.cName(part)
            if create {
                do { try dir.makeDirectory(c, mode: 0o700) } catch  where error.code == .exists {}
            }
            dir = try dir.openDirectoryQuietly(c)
        }
        return dir
    }

    /// `path` without trailing slashes (`/` stays).
    static func trimmed(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// A host path's part below the area, or nil when it is not in it (a copy made while
    /// `rescue.directory` was another).
    func relative(_ host: [UInt8]) -> [UInt8]? {
        let prefix = Array(path.utf8) + [0x2F]
        return host.starts(with: prefix) && host.count > prefix.count ? Array(host.dropFirst(prefix.count)) : nil
    }

    /// The directory names and the file name of a copy in the area.
    func split(_ host: [UInt8]) -> (directories: [[UInt8]], name: [UInt8])? {
        guard let relative = relative(host) else { return nil }
        let parts = relative.split(separator: 0x2F).map { Array($0) }
        guard let name = parts.last else { return nil }
        return (Array(parts.dropLast()), name)
    }

    /// Host path bytes of a relative path in the area.
    func host(_ relative: [UInt8]) -> [UInt8] { Array(path.utf8) + [0x2F] + relative }

    static func cName(_ bytes: [UInt8]) -> [CChar] { bytes.map { CChar(bitPattern: $0) } + [0] }

    /// The first three levels: a namespace, pod or container name as the node gave it when it is a
    /// valid Kubernetes name, else a placeholder that cannot be one (`_unknown`, `_snapshot-<n>`).
    static func containerDirectory(namespace: String?, pod: String?, container: String?, snapshot: String)
        -> [[UInt8]]
    {
        func valid(_ s: String?) -> String? { s.flatMap { KubernetesName.isSubdomain($0) ? $0 : nil } }
        return [
            Array((valid(namespace) ?? "_unknown").utf8), Array((valid(pod) ?? "_snapshot-\(snapshot)").utf8),
            Array((valid(container) ?? "_snapshot-\(snapshot)").utf8),
        ]
    }
}
