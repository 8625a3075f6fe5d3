import Glibc

/// Runs a configured shell command (`kubernetes.pv_command`) and captures its standard output.
/// The command line comes from the root-owned config, never from a volume.
package enum ExternalCommand {
    package struct Failure: Error, CustomStringConvertible {
        package let command: String
        package let reason: String
        package var description: String { "'\(command)' \(reason)" }
    }

    package static func run(_ command: String, timeoutSeconds: Int = 15, maxBytes: Int = 64 << 20) throws(Failure)
        -> [UInt8]
    {
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0, fcntl(pipeFDs[0], F_SETFD, FD_CLOEXEC) == 0,
            fcntl(pipeFDs[1], F_SETFD, FD_CLOEXEC) == 0
        else { throw Failure(command: command, reason: "could not start: pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
        defer { for p in argv { free(p) } }
        let rc = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, environ)
        close(pipeFDs[1])
        guard rc == 0 else {
            close(pipeFDs[0])
            throw Failure(command: command, reason: "could not start: \(String(cString: strerror(rc)))")
        }
        let deadline = time(nil) + timeoutSeconds
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var timedOut = false
        while true {
            var pfd = pollfd(fd: pipeFDs[0], events: Int16(POLLIN), revents: 0)
            let remaining = Int32(max(0, deadline - time(nil))) * 1000
            let ready = poll(&pfd, 1, remaining)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 {
                timedOut = true
                break
            }
            let n = buffer.withUnsafeMutableBytes { read(pipeFDs[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            output += buffer[0..<n]
            if output.count > maxBytes { timedOut = true; break }
        }
        close(pipeFDs[0])
        if timedOut { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if timedOut { throw Failure(command: command, reason: "did not finish within \(timeoutSeconds)s") }
        let exited = (status & 0x7F) == 0
        let code = (status >> 8) & 0xFF
        guard exited && code == 0 else {
            throw Failure(
                command: command,
                reason: exited ? "exited with status \(code)" : "was killed by signal \(status & 0x7F)")
        }
        return output
    }
}
