internal import CHostFS
internal import Glibc

/// A child process started with posix_spawn(3) in its own process group, with standard input
/// from /dev/null, one output stream captured up to a cap, and a deadline after which the whole
/// group is killed with SIGKILL. The corresponding C function is `posix_spawn`.
package struct Subprocess: Sendable {
    /// What the child's environment holds.
    package enum Environment: Sendable {
        /// This process's environment, unchanged.
        case inherit
        /// A fixed `PATH`, `LC_ALL=C`, and only the named variables of this process's environment.
        case minimal(keeping: [String])
    }

    /// Which of the child's streams is read back (the other goes to this process's own).
    package enum Capture: Int32, Sendable {
        case standardOutput = 1
        case standardError = 2
    }

    /// How the child ended.
    package enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
        /// Still running at the deadline: its process group was killed.
        case timedOut
        /// It wrote more than the cap: its process group was killed.
        case outputLimit
    }

    package struct Outcome: Sendable {
        package var termination: Termination
        package var output: [UInt8]
        package var succeeded: Bool { termination == .exited(0) }
    }

    package static let minimalPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    package var executable: String
    package var arguments: [String]
    package var environment: Environment = .minimal(keeping: [])
    package var capture: Capture = .standardOutput
    package var timeoutSeconds: Int = 15
    package var maxOutputBytes: Int = 64 << 20
    /// Descriptors of this process the child gets, at the given numbers (dup2 in the child).
    package var descriptors: [(source: Int32, target: Int32)] = []

    /// `arguments` includes argv[0].
    package init(executable: String, arguments: [String]) {
        self.executable = executable
        self.arguments = arguments
    }

    /// This executable again (/proc/self/exe) with `arguments` after argv[0], for work done in a
    /// child with other credentials; its output is a short report (64 KiB at most). nil when
    /// the executable cannot be named.
    package static func thisExecutable(_ arguments: [String], timeoutSeconds: Int) -> Subprocess? {
        guard let path = CurrentProcess.executablePath() else { return nil }
        var child = Subprocess(executable: path, arguments: [path] + arguments)
        child.timeoutSeconds = timeoutSeconds
        child.maxOutputBytes = 64 << 10
        return child
    }

    /// posix_spawn(3) the child and wait for it (waitpid(2)), reading the captured stream with
    /// poll(2) and read(2) until it closes, the deadline passes or the cap is exceeded.
    package func run() throws(SystemError) -> Outcome {
        var pipeFDs: [Int32] = [0, 0]
        guard chostfs_pipe_cloexec(&pipeFDs) == 0 else { throw SystemError("pipe2", path: executable) }
        let pid: pid_t
        do {
            defer { close(pipeFDs[1]) }
            pid = try spawn(writeEnd: pipeFDs[1])
        } catch {
            close(pipeFDs[0])
            throw error
        }
        let deadline = SystemClock.monotonicNs() + Int64(timeoutSeconds) * 1_000_000_000
        var (output, cut) = collect(from: pipeFDs[0], pid: pid, deadline: deadline)
        close(pipeFDs[0])
        var status: Int32 = 0
        if cut == nil && !reaped(pid, &status, before: deadline) {
            // It closed the stream but kept running: the deadline holds for the exit too.
            kill(-pid, SIGKILL)
            cut = .timedOut
        }
        if let cut {
            _ = valueOrErrno { waitpid(pid, &status, 0) }
            return Outcome(termination: cut, output: output)
        }
        let signal = status & 0x7F
        return Outcome(termination: signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal), output: output)
    }

    private func spawn(writeEnd: Int32) throws(SystemError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, capture.rawValue)
        for (source, target) in descriptors { posix_spawn_file_actions_adddup2(&actions, source, target) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own group (so a deadline kills its children too), no blocked signals (the daemon
        // blocks SIGTERM, SIGINT and SIGHUP for its signalfd), their default handlers.
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        for s in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&signals, s) }
        posix_spawnattr_setsigdefault(&attributes, &signals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environmentStrings().map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }
        var pid = pid_t()
        let result = nothingOrErrno { posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
        if case .failure(let e) = result { throw SystemError("posix_spawn", path: executable, errno: e.rawValue) }
        return pid
    }

    private func environmentStrings() -> [String] {
        var current: [String] = []
        var p = environ
        while let entry = p.pointee {
            current.append(String(cString: entry))
            p += 1
        }
        guard case .minimal(let keeping) = environment else { return current }
        let kept = current.filter { entry in keeping.contains { entry.hasPrefix($0 + "=") } }
        return ["PATH=\(Self.minimalPath)", "LC_ALL=C"] + kept
    }

    /// waitpid(2) with WNOHANG every 10 ms until the child exits (true) or the deadline passes.
    private func reaped(_ pid: pid_t, _ status: inout Int32, before deadline: Int64) -> Bool {
        while true {
            let result = valueOrErrno { waitpid(pid, &status, WNOHANG) }
            guard case .success(let done) = result, done == 0 else { return true }
            if SystemClock.monotonicNs() >= deadline { return false }
            usleep(10_000)
        }
    }

    /// Reads until end of file; on the deadline or past the cap, kills the group and says which.
    private func collect(from fd: Int32, pid: pid_t, deadline: Int64) -> ([UInt8], Termination?) {
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let remainingMs = max(0, (deadline - SystemClock.monotonicNs()) / 1_000_000)
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard case .success(let ready) = valueOrErrno({ poll(&pfd, 1, Int32(min(remainingMs, 86_400_000))) }),
                ready > 0
            else {
                kill(-pid, SIGKILL)
                return (output, .timedOut)
            }
            let read = buffer.withUnsafeMutableBytes { b in valueOrErrno { Glibc.read(fd, b.baseAddress, b.count) } }
            guard case .success(let n) = read, n > 0 else { return (output, nil) }
            output += buffer[0..<n]
            if output.count > maxOutputBytes {
                kill(-pid, SIGKILL)
                return (output, .outputLimit)
            }
        }
    }
}
