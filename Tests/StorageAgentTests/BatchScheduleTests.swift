import Foundation
import Glibc
import TestSupport
import Testing

/// The daemon's inotify schedule (issue 15): the first change of a quiet period is looked at at
/// once, not after the 200 ms batch window, and changes that come together share one batch. The
/// assertions are on the daemon's own account of its batches (the counters in STATUS=) and on
/// the index, never on a duration. A burst is made while the daemon is stopped (SIGSTOP), so all
/// of its events are waiting when it goes on, however slow the machine is.
@Suite struct BatchScheduleTests {
    @Test func aLoneDeletionIsLookedAtAtOnceAndABurstSharesOneBatch() throws {
        let box = CLISandbox()
        let v = box.volume("obs", "data")
        box.write(v + "/lone.log", "one\n")
        box.write(v + "/sentinel.log", "one\n")
        let config = box.dir + "/config.yaml"
        box.write(config, "index:\n  rescan_interval: 10m\n")
        let daemon = try DaemonRun(["--config", config, "--db", box.db, "--storage-root", box.root], dir: box.dir)
        #expect(daemon.wait { $0.hasPrefix("READY=1") } != nil, "\(daemon.output)")

        // A lone deletion: one batch, the quiet period's, and the index has it deleted.
        unlink(v + "/lone.log")
        let lone = daemon.wait { batchCounts($0) != nil && batchCounts($0)! != (0, 0) }
        let loneStatus = try #require(lone.map { daemon.messages[$0] }, "\(daemon.output)")
        #expect(batchCounts(loneStatus)! == (1, 0), "\(loneStatus)")
        #expect(deleted(box, "lone.log") == true)

        // A burst of 100 new files, all written while the daemon is stopped: one batch.
        let pid = daemon.process.processIdentifier
        daemon.signal(SIGSTOP)
        #expect(waitForState(pid, "T"))
        for i in 0..<100 { box.write("\(v)/burst-\(i).log", "line \(i)\n") }
        daemon.signal(SIGCONT)
        let burst = daemon.wait(from: lone! + 1) { total(batchCounts($0)) >= 2 }
        #expect(burst != nil, "\(daemon.output)")
        #expect(indexed(box, prefix: "burst-") == 100, "the second batch had all 100 files")

        // A last lone deletion, once the burst's files are indexed: the third batch, so the burst
        // took one.
        unlink(v + "/sentinel.log")
        let last = daemon.wait(from: (burst ?? 0) + 1) { total(batchCounts($0)) >= 3 }
        let lastStatus = try #require(last.map { daemon.messages[$0] }, "\(daemon.output)")
        #expect(total(batchCounts(lastStatus)) == 3, "\(lastStatus)")
        #expect(deleted(box, "sentinel.log") == true)
        #expect(daemon.stop() == 0, "\(daemon.output)")
    }
}

/// (at once, after the window) from a STATUS= datagram; nil for other messages.
private func batchCounts(_ message: String) -> (Int, Int)? {
    guard let status = message.split(separator: "\n").first(where: { $0.hasPrefix("STATUS=") }),
        let range = status.range(of: "inotify batches ")
    else { return nil }
    let words = status[range.upperBound...].split(separator: " ")
    guard words.count >= 4, let atOnce = Int(words[0]), let windowed = Int(words[3]) else { return nil }
    return (atOnce, windowed)
}

private func total(_ counts: (Int, Int)?) -> Int { counts.map { $0.0 + $0.1 } ?? 0 }

/// Whether the index has `name` deleted (nil when it has no such row).
private func deleted(_ box: CLISandbox, _ name: String) -> Bool? {
    let rows = box.agent("query", "--include-deleted", "--json").json
    return rows.first { ($0["path"] as? String)?.hasSuffix("/" + name) == true }?["deleted"] as? Bool
}

private func indexed(_ box: CLISandbox, prefix: String) -> Int {
    box.agent("query", "--json").json.filter {
        (($0["path"] as? String)?.split(separator: "/").last?.hasPrefix(prefix)) == true
    }.count
}

/// Waits until /proc/PID/stat shows the process state `state` (a safety net of 30 s).
private func waitForState(_ pid: Int32, _ state: String) -> Bool {
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.range(of: ")", options: .backwards),
            stat[close.upperBound...].split(separator: " ").first == Substring(state)
        {
            return true
        }
        usleep(1000)
    }
    return false
}
