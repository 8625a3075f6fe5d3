import Foundation
import Glibc

/// `storage-agent run` as a real process with a NOTIFY_SOCKET of the test's own (a unix datagram
/// socket): every sd_notify(3) message it sends is read back, in the order sent.
package final class DaemonRun {
    package let process = Process()
    package let log: String
    private let socketPath: String
    private let fd: Int32
    /// The datagrams read so far.
    package private(set) var messages: [String] = []

    /// - Parameters:
    ///   - dir: where the socket and the log go (an existing directory).
    ///   - watchdogUsec: `WATCHDOG_USEC`, as systemd sets it for `WatchdogSec=`.
    package init(
        _ arguments: [String], dir: String, environment: [String: String] = [:], watchdogUsec: Int? = nil
    ) throws {
        socketPath = dir + "/notify-\(UInt32.random(in: 0...UInt32.max)).sock"
        log = dir + "/daemon-\(UInt32.random(in: 0...UInt32.max)).log"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in socketPath.utf8.prefix(raw.count - 1).enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard fd >= 0, bound == 0 else { throw EphemeralNode.NodeError(message: "notify socket: errno \(errno)") }
        var env = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        env["NOTIFY_SOCKET"] = socketPath
        env["WATCHDOG_USEC"] = watchdogUsec.map(String.init)
        env["WATCHDOG_PID"] = nil
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["run"] + arguments
        process.environment = env
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning, process.processIdentifier > 1 {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        close(fd)
        unlink(socketPath)
    }

    /// Reads datagrams until one (counting from `index`) satisfies `predicate`, and returns its
    /// index; nil when none came within `timeout` seconds (a safety net: the tests wait for events,
    /// not for durations) or the daemon exited.
    @discardableResult
    package func wait(from index: Int = 0, timeout: Double = 120, for predicate: (String) -> Bool) -> Int? {
        let deadline = Date().addingTimeInterval(timeout)
        var next = index
        while true {
            while next < messages.count {
                if predicate(messages[next]) { return next }
                next += 1
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return nil }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(min(left, 0.5) * 1000))
            if ready > 0 {
                receive()
            } else if !process.isRunning {
                receive()
                if next >= messages.count { return nil }
            }
        }
    }

    /// Reads every datagram waiting now.
    package func receive() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            guard n > 0 else { return }
            messages.append(String(decoding: buffer[0..<n], as: UTF8.self))
        }
    }

    package func signal(_ signal: Int32) {
        guard process.isRunning, process.processIdentifier > 1 else { return }
        kill(process.processIdentifier, signal)
    }

    /// SIGTERM, then the exit status. The socket is drained while the daemon stops: a unix
    /// datagram queue holds only `net.unix.max_dgram_qlen` (10) messages, and a daemon whose
    /// WATCHDOG=1 finds it full blocks in sd_notify and never reaches its exit.
    package func stop() -> Int32 {
        signal(SIGTERM)
        while process.isRunning {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, 100) > 0 { receive() }
        }
        process.waitUntilExit()
        receive()
        return process.terminationStatus
    }

    package var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
}
