/// Runs a configured shell command (`kubernetes.pv_command`, `crictl_command`), or one of the
/// agent's own argument vectors, as a `Subprocess` and captures its standard output. The command
/// line comes from the root-owned config or the agent itself, never from a volume; the child gets
/// a minimal environment (with the variables kubectl and crictl read) in its own process group,
/// killed as a whole at the deadline.
package enum ExternalCommand {
    package struct Failure: Error, CustomStringConvertible {
        package let command: String
        package let reason: String
        package var description: String { "'\(command)' \(reason)" }

        package init(command: String, reason: String) {
            self.command = command
            self.reason = reason
        }
    }

    /// The environment variables a configured command keeps.
    package static let keptEnvironment = ["HOME", "KUBECONFIG", "CONTAINER_RUNTIME_ENDPOINT", "IMAGE_SERVICE_ENDPOINT"]

    package static func run(_ command: String, timeoutSeconds: Int = 15, maxBytes: Int = 64 << 20) throws(Failure)
        -> [UInt8]
    {
        try run(
            Subprocess(executable: "/bin/sh", arguments: ["/bin/sh", "-c", command]), shown: command,
            timeoutSeconds: timeoutSeconds, maxBytes: maxBytes)
    }

    /// Runs `arguments[0]` with `arguments` (argv[0] included) directly, without a shell: for the
    /// agent's own built-in commands, such as `/usr/local/bin/k3s crictl ps -o json`.
    package static func run(arguments: [String], timeoutSeconds: Int = 15, maxBytes: Int = 64 << 20) throws(Failure)
        -> [UInt8]
    {
        try run(
            Subprocess(executable: arguments[0], arguments: arguments), shown: arguments.joined(separator: " "),
            timeoutSeconds: timeoutSeconds, maxBytes: maxBytes)
    }

    private static func run(_ process: Subprocess, shown command: String, timeoutSeconds: Int, maxBytes: Int)
        throws(Failure) -> [UInt8]
    {
        var process = process
        process.environment = .minimal(keeping: keptEnvironment)
        process.timeoutSeconds = timeoutSeconds
        process.maxOutputBytes = maxBytes
        let outcome: Subprocess.Outcome
        do {
            outcome = try process.run()
        } catch {
            throw Failure(command: command, reason: "could not start: \(error.message)")
        }
        switch outcome.termination {
        case .exited(0): return outcome.output
        case .exited(let code): throw Failure(command: command, reason: "exited with status \(code)")
        case .signaled(let signal): throw Failure(command: command, reason: "was killed by signal \(signal)")
        case .timedOut: throw Failure(command: command, reason: "did not finish within \(timeoutSeconds)s")
        case .outputLimit: throw Failure(command: command, reason: "printed more than \(maxBytes) bytes")
        }
    }
}
