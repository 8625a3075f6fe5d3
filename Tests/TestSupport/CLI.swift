import Foundation
import Glibc

/// What a run of the built `storage-agent` binary printed, and how it exited.
package struct CLIResult {
    package let status: Int32
    package let stdout: String
    package let stderr: String

    package init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    package var json: [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [[String: Any]] ?? []
    }
}

/// Runs the built `storage-agent` binary (it sits beside the test bundle) and captures everything.
package enum CLI {
    package static var binary: String {
        if let explicit = ProcessInfo.processInfo.environment["STORAGE_AGENT_BIN"] { return explicit }
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = (exe as NSString).deletingLastPathComponent
        // The xctest bundle may be a directory on some toolchains.
        while !FileManager.default.isExecutableFile(atPath: dir + "/storage-agent") && dir.count > 1 {
            dir = (dir as NSString).deletingLastPathComponent
        }
        return dir + "/storage-agent"
    }

    /// Runs the binary with `arguments` (as `uid`, through setpriv, when given).
    /// Inside `namespace` when given.
    package static func run(
        _ arguments: [String], asUser uid: UInt32? = nil, environment: [String: String]? = nil,
        in namespace: MountNamespace? = nil
    ) -> CLIResult {
        let p = Process()
        var command = [binary] + arguments
        if let uid { command = ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups"] + command }
        if let namespace { command = namespace.command(command) }
        p.executableURL = URL(fileURLWithPath: command[0])
        p.arguments = Array(command.dropFirst())
        if let environment { p.environment = environment }
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try! p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIResult(
            status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self))
    }
}

/// A sandbox for the command line: a 0700 storage root, an index path, and a config path.
package final class CLISandbox: Sandbox {
    package init() { super.init(label: "sa-cli", rootMode: 0o700) }

    package var db: String { dbPath }

    package func agent(_ arguments: String..., config: String? = nil, asUser uid: UInt32? = nil) -> CLIResult {
        agent(arguments, config: config, asUser: uid)
    }

    /// The namespace the agent runs in (its friendly links' exposures are mounted there).
    package var namespace: MountNamespace?

    /// Runs the agent on this sandbox's index and root, with `config` written to `config.yaml`.
    package func agent(_ arguments: [String], config: String? = nil, asUser uid: UInt32? = nil) -> CLIResult {
        var args = ["--db", dbPath, "--storage-root", root]
        if let config {
            let path = dir + "/config.yaml"
            write(path, config)
            args += ["--config", path]
        }
        return CLI.run(args + arguments, asUser: uid, in: namespace)
    }
}
