import Glibc
import HostFS

/// The runbook's write test, done the way the container does it: as the volume's owner uid,
/// directly in the volume directory. The parent opens the directory (the 0700 storage root is
/// not in the container's way either, it sees only the mount) and hands it to a child as fd 3;
/// the child drops to uid:gid with no supplementary groups, then creates and removes a file.
enum WriteTest {
    static let childFD: Int32 = 3

    /// nil on success, else the reason.
    static func run(in volume: Descriptor, as owner: Owner) -> String? {
        var exe = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &exe, exe.count - 1)
        guard n > 0 else { return "cannot find this executable" }
        let path = String(decoding: exe.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let args = [path, "write-test", "--uid", String(owner.uid), "--gid", String(owner.gid)]
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { return "pipe failed" }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, volume.fd, childFD)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, args[0], &actions, nil, &argv, environ)
        close(pipeFDs[1])
        defer { close(pipeFDs[0]) }
        guard rc == 0 else { return "cannot start the test: \(String(cString: strerror(rc)))" }
        var message = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let r = read(pipeFDs[0], &buffer, buffer.count)
            if r < 0 && errno == EINTR { continue }
            if r <= 0 { break }
            message += buffer[0..<r]
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if (status & 0x7F) == 0 && (status >> 8) & 0xFF == 0 { return nil }
        let text = String(decoding: message, as: UTF8.self).split(separator: "\n").first.map(String.init)
        return text ?? "the test process failed"
    }

    /// The child side: drop privileges for good, then create and remove a file in fd 3.
    static func child(uid: UInt32, gid: UInt32) -> Int32 {
        // As root, setgid and setuid set the real, effective and saved ids: there is no way back.
        guard setgroups(0, nil) == 0, setgid(gid) == 0, setuid(uid) == 0, getuid() == uid, geteuid() == uid,
            setuid(0) != 0
        else {
            Output.err("cannot switch to \(uid):\(gid): \(String(cString: strerror(errno)))\n")
            return 1
        }
        let name = ".storage-agent-write-test-\(getpid())"
        let fd = openat(childFD, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            Output.err("uid \(uid) cannot create a file here: \(String(cString: strerror(errno)))\n")
            return 1
        }
        let wrote = write(fd, "x", 1)
        close(fd)
        guard wrote == 1 else {
            unlinkat(childFD, name, 0)
            Output.err("uid \(uid) cannot write here: \(String(cString: strerror(errno)))\n")
            return 1
        }
        guard unlinkat(childFD, name, 0) == 0 else {
            Output.err("uid \(uid) cannot remove its file here: \(String(cString: strerror(errno)))\n")
            return 1
        }
        return 0
    }
}
