import Foundation
import Glibc

/// Runs the built `storage-agent` binary (it sits beside the test bundle) and captures everything.
struct CLIResult {
    let status: Int32
    let stdout: String
    let stderr: String

    var json: [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [[String: Any]] ?? []
    }
}

enum CLI {
    static var binary: String {
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

    static func run(_ arguments: [String], asUser uid: UInt32? = nil) -> CLIResult {
        let p = Process()
        if let uid {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            p.arguments = ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", binary] + arguments
        } else {
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = arguments
        }
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

/// A temporary storage root with the observer layout, an index path, and a config path.
final class CLISandbox {
    let dir: String
    var root: String { dir + "/storage" }
    var db: String { dir + "/state/inventory.db" }

    init() {
        var template = Array("/tmp/sa-cli-XXXXXX".utf8CString)
        dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        chmod(dir, 0o755)
        mkdir(root, 0o700)
    }

    deinit {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/rm")
        p.arguments = ["-rf", dir]
        try? p.run()
        p.waitUntilExit()
    }

    @discardableResult
    func volume(_ namespace: String, _ pvc: String, uid: String = "3a60a238-a7b1-45b5-9d1d-cfd3a23701da") -> String {
        let path = "\(root)/pvc-\(uid)_\(namespace)_\(pvc)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func write(_ path: String, _ text: String) {
        try! FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    func agent(_ arguments: String..., config: String? = nil, asUser uid: UInt32? = nil) -> CLIResult {
        agent(arguments, config: config, asUser: uid)
    }

    func agent(_ arguments: [String], config: String? = nil, asUser uid: UInt32? = nil) -> CLIResult {
        var args = ["--db", db, "--storage-root", root]
        if let config {
            let path = dir + "/config.yaml"
            write(path, config)
            args += ["--config", path]
        }
        return CLI.run(args + arguments, asUser: uid)
    }

    /// The observer layout of context.md, small.
    func observer() -> (data: String, logs: String) {
        let data = volume("observer-prod", "observer-data-pvc", uid: "5d0a1c2e-0000-4000-8000-000000000001")
        let logs = volume("observer-prod", "observer-logs-pvc", uid: "3a60a238-a7b1-45b5-9d1d-cfd3a23701da")
        for h in 9...15 {
            write(data + "/assets/scalp/20260203_\(String(format: "%02d", h)).jsonl", "{\"p\":1}\n{\"p\":2}\n")
        }
        write(data + "/assets/swing/20260203.jsonl", "{}\n")
        write(data + "/observer.jsonl", "{}\n{}\n{}\n")
        write(logs + "/scalp/20260203_09.log", "line\n")
        write(logs + "/system/gap_20260203.jsonl", "{}\n")
        return (data, logs)
    }
}
