import Foundation
import Glibc
import Inventory
import TestSupport
import Testing

/// `storage-agent status` (issue 14): the daemon's state from the heartbeat it keeps in the index,
/// with a real daemon (running, stopped, killed, SIGSTOPped), a real index and real config files.
@Suite struct StatusCLITests {
    static let keys: Set<String> = [
        "state", "health", "problems", "pid", "started_at", "heartbeat_at", "heartbeat_age_seconds",
        "tick_seconds", "stopped_at", "full_scan_at", "full_scan_duration_ms", "full_scan_reason",
        "full_scan_running_since", "change_batch_at", "config_path", "config_loaded_at", "config_on_disk",
        "watches", "watch_budget", "polled_directories", "alerts_firing", "rescue_bytes", "rescue_max_bytes",
        "index_bytes", "index_database_bytes", "index_wal_bytes",
    ]

    struct Running {
        let box = CLISandbox()
        let config: String
        let volume: String
        let daemon: DaemonRun

        init() throws {
            volume = box.volume("obs", "data")
            box.write(volume + "/scalp/20260203_09.jsonl", "{}\n")
            config = box.dir + "/daemon.yaml"
            box.write(config, "rescue:\n  enabled: false\n")
            daemon = try DaemonRun(["--config", config, "--db", box.db, "--storage-root", box.root], dir: box.dir)
        }

        func status(json: Bool = true) -> (CLIResult, [String: Any]) {
            let r = CLI.run(["status", "--db", box.db] + (json ? ["--json"] : []))
            let object = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
            return (r, object)
        }

        /// Asks until `predicate` holds (the daemon writes when it gets there); the last answer.
        func status(until predicate: ([String: Any]) -> Bool) -> (CLIResult, [String: Any]) {
            let deadline = Date().addingTimeInterval(60)
            var last = status()
            while !predicate(last.1) && Date() < deadline {
                usleep(50_000)
                last = status()
            }
            return last
        }
    }

    @Test func aRunningDaemonIsHealthyWithItsScanConfigAndWatches() throws {
        let run = try Running()
        #expect(run.daemon.wait { $0.hasPrefix("READY=1") } != nil, "\(run.daemon.output)")
        let (r, s) = run.status()
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(Set(s.keys) == Self.keys)
        #expect(s["state"] as? String == "running")
        #expect(s["health"] as? String == "healthy")
        #expect((s["pid"] as? Int).map(Int32.init) == run.daemon.process.processIdentifier)
        #expect(s["full_scan_reason"] as? String == "start")
        #expect(s["full_scan_at"] is String && s["full_scan_duration_ms"] is Int)
        #expect(s["config_path"] as? String == run.config)
        #expect(s["config_on_disk"] as? String == "same")
        #expect((s["watches"] as? Int ?? 0) >= 2, "the volume and its scalp directory")
        #expect((s["watch_budget"] as? Int ?? 0) > 0)
        #expect(s["polled_directories"] as? Int == 0)
        #expect((s["index_database_bytes"] as? Int ?? 0) > 0)
        #expect(s["tick_seconds"] as? Int == 30)

        // A change batch is recorded.
        #expect(s["change_batch_at"] is NSNull)
        run.box.write(run.volume + "/scalp/20260203_10.jsonl", "{}\n")
        let (_, after) = run.status { $0["change_batch_at"] is String }
        #expect(after["change_batch_at"] is String)

        let text = run.status(json: false).0
        #expect(text.stdout.hasPrefix("daemon: running, pid \(run.daemon.process.processIdentifier) since "))
        #expect(text.stdout.contains("last full scan: ") && text.stdout.contains("(start), took "))
        #expect(text.stdout.contains("\nstatus: healthy\n"), "\(text.stdout)")
        #expect(run.daemon.stop() == 0)
    }

    @Test func aConfigChangedOnDiskSinceItWasLoadedIsShown() throws {
        let run = try Running()
        #expect(run.daemon.wait { $0.hasPrefix("READY=1") } != nil, "\(run.daemon.output)")
        run.box.write(run.config, "rescue:\n  enabled: false\n# edited, not reloaded\n")
        let (r, s) = run.status()
        #expect(s["config_on_disk"] as? String == "changed")
        #expect(r.status == 0, "a pending reload is not a degraded daemon")
        #expect(run.status(json: false).0.stdout.contains("the file on disk differs (systemctl reload storage-agent)"))
        unlink(run.config)
        #expect(run.status().1["config_on_disk"] as? String == "gone")
        // The same bytes again: the digest of the file is what is compared, not its mtime.
        run.box.write(run.config, "rescue:\n  enabled: false\n")
        #expect(run.status().1["config_on_disk"] as? String == "same")
        #expect(run.daemon.stop() == 0)
    }

    @Test func aStoppedOrKilledDaemonIsNotRunningWithWhenItWasLastSeen() throws {
        let run = try Running()
        #expect(run.daemon.wait { $0.hasPrefix("READY=1") } != nil, "\(run.daemon.output)")
        #expect(run.daemon.stop() == 0)
        let (r, s) = run.status()
        #expect(r.status == 3)
        #expect(s["state"] as? String == "not-running" && s["stopped_at"] is String)
        #expect(run.status(json: false).0.stdout.hasPrefix("daemon: not running; last seen "))
        #expect(run.status(json: false).0.stdout.contains(", stopped)"))

        // Killed: no clean stop recorded, its pid is gone.
        let again = try DaemonRun(
            ["--config", run.config, "--db", run.box.db, "--storage-root", run.box.root], dir: run.box.dir)
        #expect(again.wait { $0.hasPrefix("READY=1") } != nil, "\(again.output)")
        #expect(run.status().0.status == 0)
        let pid = again.process.processIdentifier
        #expect(pid > 1 && again.process.isRunning)
        kill(pid, SIGKILL)
        again.process.waitUntilExit()
        let (k, killed) = run.status()
        #expect(k.status == 3, "\(k.stdout)")
        #expect(killed["stopped_at"] is NSNull && killed["heartbeat_at"] is String)
        #expect(run.status(json: false).0.stdout.contains("(pid \(pid), gone without stopping)"))
    }

    @Test func aUserWhoCannotReadTheIndexIsTold77NotNeverSeen() {
        let box = CLISandbox()
        _ = box.volume("obs", "data")
        #expect(box.agent("scan").status == 0)
        let r = CLI.run(["status", "--db", box.db], asUser: 65534)
        #expect(r.status == 77, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.hasSuffix("run with sudo\n") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }

    /// The pid alone is not the daemon: a live process with that pid but another start time (a
    /// recycled pid), or a heartbeat from another boot, is not it. The daemon writes these two at
    /// its start only, so they are changed under the running daemon.
    @Test func aLivePidWithAnotherStartTimeOrBootIsNotTheDaemon() throws {
        let run = try Running()
        #expect(run.daemon.wait { $0.hasPrefix("READY=1") } != nil, "\(run.daemon.output)")
        #expect(run.status().0.status == 0)
        let inventory = try Inventory(path: run.box.db)
        let start = try #require(try inventory.meta(prefix: "daemon.pid_start")["daemon.pid_start"]?.int)
        try inventory.setMeta([(key: "daemon.pid_start", value: .int(start + 1))])
        #expect(run.status().0.status == 3)
        try inventory.setMeta([(key: "daemon.pid_start", value: .int(start))])
        #expect(run.status().0.status == 0)
        try inventory.setMeta([(key: "daemon.boot_id", value: .text("00000000-0000-4000-8000-000000000000"))])
        #expect(run.status().0.status == 3)
        #expect(run.daemon.stop() == 0)
    }

    @Test func noIndexMeansNeverSeen() {
        let box = CLISandbox()
        let r = CLI.run(["status", "--db", box.db])
        #expect(r.status == 3)
        #expect(r.stdout.hasPrefix("daemon: not running; never seen"))
        #expect(!FileManager.default.fileExists(atPath: box.db), "status creates no index")
    }

    /// SIGSTOP freezes the daemon's loop: its pid stays alive with its start time and its
    /// heartbeat ages. The heartbeat's time is set back (the stopped daemon cannot write it) to
    /// just inside and just past the default 3 ticks of 30 s, so the default threshold itself is
    /// what is proven, without waiting 90 s.
    @Test func aFrozenDaemonIsStuckAfterThreeTicksAndDegraded() throws {
        let run = try Running()
        #expect(run.daemon.wait { $0.hasPrefix("READY=1") } != nil, "\(run.daemon.output)")
        let pid = run.daemon.process.processIdentifier
        #expect(pid > 1 && run.daemon.process.isRunning)
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGCONT) }
        let inventory = try Inventory(path: run.box.db)
        let now = SystemClockMs.now()
        try inventory.setMeta([(key: "daemon.heartbeat_at", value: .int(now - 89_000))])
        #expect(run.status().0.status == 0, "89 s: within 3 ticks")
        try inventory.setMeta([(key: "daemon.heartbeat_at", value: .int(now - 91_000))])
        let (r, s) = run.status()
        #expect(r.status == 1, "\(r.stdout)")
        #expect(s["state"] as? String == "stuck" && s["health"] as? String == "degraded")
        #expect((s["problems"] as? [String])?.first?.contains("more than 3 ticks of 30 s") == true)
        #expect(run.status(json: false).0.stdout.hasPrefix("daemon: stuck, pid \(pid) is alive"))

        // In a full scan the daemon beats at its start and end only: busy, not stuck.
        try inventory.setMeta([(key: "daemon.full_scan_started_at", value: .int(now - 200_000))])
        let (busy, b) = run.status()
        #expect(busy.status == 0 && b["state"] as? String == "running", "\(busy.stdout)")
        #expect(b["full_scan_running_since"] is String)
        #expect(run.status(json: false).0.stdout.contains("\nfull scan: running since "))
        kill(pid, SIGCONT)
        #expect(run.daemon.stop() == 0)
    }
}

extension StatusCLITests {
    /// The agent's own trouble (it cannot write its index, read its roots) makes it degraded;
    /// alerts about the data are counted and leave it healthy. The daemon is frozen (SIGSTOP) with
    /// a fresh heartbeat so that nothing resolves the seeded alerts meanwhile.
    @Test func indexErrorOrAnUnavailableRootDegradesOtherAlertsAreCounted() throws {
        let run = try Running()
        #expect(run.daemon.wait { $0.hasPrefix("READY=1") } != nil, "\(run.daemon.output)")
        let pid = run.daemon.process.processIdentifier
        #expect(pid > 1 && run.daemon.process.isRunning)
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGCONT) }
        let inventory = try Inventory(path: run.box.db)
        try inventory.setMeta([(key: "daemon.heartbeat_at", value: .int(SystemClockMs.now()))])
        func alert(_ type: String, _ subject: String) -> AlertRecord {
            AlertRecord(
                type: type, subject: subject, state: .firing, message: "seeded", priority: 4,
                firstFired: 1_770_000_000, lastNotified: 1_770_000_000, lastSeen: 1_770_000_000, count: 1)
        }
        // The daemon's own (the sample's scalp hours are missing) plus the seeded ones.
        let before = (run.status().1["alerts_firing"] as? [String: Int])?["track-gap"] ?? 0
        try inventory.saveAlerts([alert("track-gap", "seeded-a"), alert("track-gap", "seeded-b")])
        let (r, s) = run.status()
        #expect(r.status == 0, "\(r.stdout)")
        #expect(s["alerts_firing"] as? [String: Int] == ["track-gap": before + 2])
        #expect(run.status(json: false).0.stdout.contains("\nalerts firing: \(before + 2) (track-gap \(before + 2))\n"))

        try inventory.saveAlerts([alert("index-error", run.box.db)])
        let (d, degraded) = run.status()
        #expect(d.status == 1)
        #expect(degraded["health"] as? String == "degraded" && degraded["state"] as? String == "running")
        #expect(degraded["problems"] as? [String] == ["1 index-error alert firing"])
        kill(pid, SIGCONT)
        #expect(run.daemon.stop() == 0)
    }
}

enum SystemClockMs {
    static func now() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Int64(t.tv_sec) * 1000 + Int64(t.tv_nsec) / 1_000_000
    }
}
