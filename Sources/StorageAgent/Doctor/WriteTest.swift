import HostFS

/// The runbook's write test, done the way the container does it: as the volume's owner uid,
/// directly in the volume directory. The parent opens the directory (the 0700 storage root is
/// not in the container's way either, it sees only the mount) and hands it to a child as fd 3;
/// the child drops to uid:gid with no supplementary groups, then creates and removes a file.
enum WriteTest {
    static let childFD: Int32 = 3
    static let timeoutSeconds = 30

    /// nil on success, else the reason.
    static func run(in volume: Descriptor, as owner: Owner) -> String? {
        let arguments = ["write-test", "--uid", String(owner.uid), "--gid", String(owner.gid)]
        guard var child = Subprocess.thisExecutable(arguments, timeoutSeconds: timeoutSeconds) else {
            return "cannot find this executable"
        }
        child.capture = .standardError
        child.descriptors = [(volume.fd, childFD)]
        let outcome: Subprocess.Outcome
        do {
            outcome = try child.run()
        } catch {
            return "cannot start the test: \(error.message)"
        }
        switch outcome.termination {
        case .exited(0): return nil
        case .timedOut: return "the test did not finish within \(timeoutSeconds)s"
        default:
            let text = String(decoding: outcome.output, as: UTF8.self).split(separator: "\n").first.map(String.init)
            return text ?? "the test process failed"
        }
    }

    /// The child side: drop privileges for good, then create and remove a file in fd 3.
    static func child(uid: UInt32, gid: UInt32) -> Int32 {
        do {
            try Credentials.dropForGood(uid: uid, gid: gid)
        } catch {
            Output.err("cannot switch to \(uid):\(gid): \(error.message)\n")
            return 1
        }
        let dir = Descriptor(adopting: childFD, displayPath: "fd \(childFD)")
        let name = ".storage-agent-write-test-\(CurrentProcess.id)"
        do {
            try dir.createFile(named: name, contents: [0x78], mode: 0o600)
        } catch {
            if error.call == "write" { try? dir.removeFile(named: name) }
            let what = error.call == "write" ? "write" : "create a file"
            Output.err("uid \(uid) cannot \(what) here: \(error.message)\n")
            return 1
        }
        do {
            try dir.removeFile(named: name)
        } catch {
            Output.err("uid \(uid) cannot remove its file here: \(error.message)\n")
            return 1
        }
        return 0
    }
}
