import Foundation
import Glibc
import TestSupport
import Testing

/// The configured commands never run on the daemon's loop thread (issue 12, item 11): while a
/// pv_command takes 10 s, inotify batches are indexed, SIGHUP is answered and the watchdog is
/// fed. A real daemon, a real command, a root-owned config (commands are taken from no other).
@Suite struct DaemonCommandTests {
    @Test func aSlowPVCommandHoldsUpNeitherIndexingNorSignalsNorTheWatchdog() throws {
        let box = CLISandbox()
        let v = box.volume("obs", "data")
        box.write(v + "/old.jsonl", "{}\n")
        let (slow, started, ended) = (box.dir + "/slow", box.dir + "/started", box.dir + "/ended")
        let config = box.dir + "/config.yaml"
        box.write(
            config,
            "kubernetes:\n  pv_command: \"if [ -e '\(slow)' ]; then touch '\(started)'; sleep 10; touch '\(ended)'; fi; exit 1\"\n"
        )
        let daemon = try DaemonRun(
            ["--config", config, "--db", box.db, "--storage-root", box.root], dir: box.dir, watchdogUsec: 2_000_000)
        #expect(daemon.wait { $0.hasPrefix("READY=1") } != nil, "\(daemon.output)")

        // A reload asks for a full scan, whose pv_command now takes 10 s.
        box.write(slow, "")
        daemon.signal(SIGHUP)
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: started) && Date() < deadline { usleep(20_000) }
        #expect(FileManager.default.fileExists(atPath: started), "\(daemon.output)")
        unlink(slow)  // the scan asked for again after it runs the command quickly
        daemon.receive()
        let during = daemon.messages.count

        // Meanwhile: a new file is indexed, the watchdog is fed and SIGHUP is answered.
        box.write(v + "/new.jsonl", "{}\n{}\n")
        var indexed = false
        while !indexed && Date() < deadline {
            indexed = box.agent("query", "--json").json.contains {
                ($0["path"] as? String)?.hasSuffix("new.jsonl") == true
            }
            if !indexed { usleep(50_000) }
        }
        #expect(indexed)
        #expect(daemon.wait(from: during) { $0 == "WATCHDOG=1" } != nil)
        let hup = daemon.messages.count
        daemon.signal(SIGHUP)
        #expect(daemon.wait(from: hup) { $0.hasPrefix("READY=1") } != nil)
        #expect(!FileManager.default.fileExists(atPath: ended), "all of it before the command ended")

        while !FileManager.default.fileExists(atPath: ended) && Date() < deadline { usleep(50_000) }
        #expect(daemon.stop() == 0, "\(daemon.output)")
    }
}
