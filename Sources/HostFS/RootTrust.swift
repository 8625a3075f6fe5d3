internal import Glibc

/// Whether root may rely on a file or directory: nobody but root (or, for a process that is not
/// root, that process's own user) can have written it or can change it.
package enum RootTrust {
    /// The users whose files this process may trust: root, and the effective user when that is not root.
    package static func trustedOwner(_ uid: UInt32) -> Bool { uid == 0 || uid == geteuid() }

    /// Why `st` is not trustworthy, or nil: owned by a trusted user and writable by its owner only.
    /// `allowSticky`: a world-writable directory with the sticky bit (/tmp) is fine as an ancestor,
    /// since others cannot rename or remove what is in it.
    package static func problem(_ st: FileStat, allowSticky: Bool = false) -> String? {
        let mode = "mode " + String(st.permissions, radix: 8)
        if !trustedOwner(st.uid) { return "owned by uid \(st.uid), not root" }
        if allowSticky && st.type == .directory && st.mode & UInt32(S_ISVTX) != 0 { return nil }
        if st.mode & 0o022 == 0o022 { return "group- and world-writable (\(mode))" }
        if st.mode & 0o020 != 0 { return "group-writable (\(mode))" }
        if st.mode & 0o002 != 0 { return "world-writable (\(mode))" }
        return nil
    }

    /// Checks the directory `path` (its real path) and every directory above it: the directory
    /// itself must pass `problem`, its ancestors too or be sticky. Returns the real path, or the
    /// first directory that fails and why.
    package static func checkDirectory(_ path: String) -> Result<String, DirectoryProblem> {
        guard let real = ProcFS.realPath(path) else {
            return .failure(DirectoryProblem(path: path, reason: SystemError("realpath", path: path).message))
        }
        var prefix = real
        var first = true
        while true {
            guard let st = FileStat(followingLinksAt: prefix.isEmpty ? "/" : prefix) else {
                return .failure(DirectoryProblem(path: prefix, reason: SystemError("stat", path: prefix).message))
            }
            if let why = problem(st, allowSticky: !first) {
                return .failure(DirectoryProblem(path: prefix.isEmpty ? "/" : prefix, reason: why))
            }
            first = false
            guard !prefix.isEmpty, let slash = prefix.lastIndex(of: "/") else { break }
            prefix = String(prefix[..<slash])
        }
        return .success(real)
    }

    package struct DirectoryProblem: Error, Sendable {
        package let path: String
        package let reason: String
    }
}

/// A config file read through the descriptor it was opened on, with whether root may take
/// commands from it (`distrust`: why not, or nil).
package struct TrustedRead: Sendable {
    package let bytes: [UInt8]
    package let distrust: String?
}

/// Reads a configuration file and judges it by what was read: the directory is opened first and
/// fstat'ed, the file is opened in it with `O_NOFOLLOW` and fstat'ed, and both must be owned by
/// root and writable by it alone (`RootTrust.problem`). A symlink in the file's place is still read
/// (an administrator may link a config), but it is never trusted.
package func readTrustedFile(_ path: String) -> Result<TrustedRead, SystemError> {
    let slash = path.lastIndex(of: "/")
    let parent = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    var distrust: String?
    let dirFD = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dirFD < 0 {
        // Reading the file itself says what is wrong (missing, permission) in the usual words.
        return readFile(path).map { TrustedRead(bytes: $0, distrust: "its directory cannot be checked") }
    }
    defer { close(dirFD) }
    var dst = stat()
    if fstat(dirFD, &dst) == 0 {
        if let why = RootTrust.problem(FileStat(dst)) { distrust = "its directory \(parent) is \(why)" }
    } else {
        distrust = "its directory cannot be checked"
    }
    var fd = openat(dirFD, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    if fd < 0 && errno == ELOOP {
        distrust = distrust ?? "it is a symlink"
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    }
    guard fd >= 0 else { return .failure(SystemError("open", path: path)) }
    defer { close(fd) }
    var fst = stat()
    guard fstat(fd, &fst) == 0 else { return .failure(SystemError("fstat", path: path)) }
    let st = FileStat(fst)
    guard st.isRegular else {
        // /dev/null, a pipe: read as before (blocking), never trusted.
        return readFile(path).map { TrustedRead(bytes: $0, distrust: "it is not a regular file") }
    }
    if distrust == nil, let why = RootTrust.problem(st) { distrust = "it is \(why)" }
    return readAll(fd, path: path).map { TrustedRead(bytes: $0, distrust: distrust) }
}

extension RootTrust {
    /// Why root should not use the file at `path` (which may not exist yet), or nil: its directory
    /// fails `checkDirectory`, or it is a symlink, not a regular file, or fails `problem`.
    package static func pathProblem(_ path: String) -> String? {
        let slash = path.lastIndex(of: "/")
        var parent = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        // A directory still to be made (the index's) is made by root, 0700, in the nearest one that exists.
        while access(parent, F_OK) != 0, let up = parent.lastIndex(of: "/") {
            parent = up == parent.startIndex ? "/" : String(parent[..<up])
        }
        if case .failure(let p) = checkDirectory(parent) {
            return p.path == parent ? "its directory is \(p.reason)" : "\(p.path) above it is \(p.reason)"
        }
        var s = stat()
        guard lstat(path, &s) == 0 else { return nil }
        let st = FileStat(s)
        if st.type == .symlink { return "it is a symlink" }
        if !st.isRegular { return "it is not a regular file" }
        return problem(st).map { "it is \($0)" }
    }
}
