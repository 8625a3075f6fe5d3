import Foundation
import Glibc
import PVCResolver
import TestSupport
import Testing

@testable import Alerting
@testable import Inventory
@testable import StorageAgent
@testable import Workloads

/// The Prometheus exposition: the renderer on known inputs, the atomic textfile, and
/// `storage-agent metrics` end to end against the real `du`.
@Suite struct MetricsTests {
    static let lastWrite: Int64 = 1_770_076_800_500_000_000

    func volume(
        _ id: Int64, _ path: String, _ namespace: String?, _ pvc: String?, _ pv: String?, _ state: String,
        capacity: Int64? = nil, files: Int64 = 0, lastWriteNs: Int64? = nil, goneAt: Int64? = nil
    ) -> VolumeRecord {
        VolumeRecord(
            id: id, path: path, namespace: namespace, pvc: pvc, pv: pv, state: VolumeState(rawValue: state)!,
            source: "dirname",
            capacity: capacity, uid: nil, gid: nil, files: files, bytes: 0, lastWriteNs: lastWriteNs, lastScan: nil,
            goneAt: goneAt)
    }

    func alert(_ type: String, _ subject: String, _ state: String = "firing") -> AlertRecord {
        AlertRecord(
            type: type, subject: subject, state: AlertRecord.State(rawValue: state)!, message: "m", priority: 3,
            firstFired: 0, lastNotified: 0,
            lastSeen: 0, count: 1)
    }

    @Test func rendersEveryFamilyWithHelpTypeAndEscapedLabels() {
        let volumes = [
            volume(
                1, "/s/pvc-a_ns_data", "ns", "data", "pvc-a", "current", capacity: 1 << 30, files: 3,
                lastWriteNs: Self.lastWrite),
            volume(
                2, "/s/pvc-b_ns_data", "ns", "data", "pvc-b", "stale", files: 1,
                lastWriteNs: 1_769_000_000 * 1_000_000_000),
            volume(3, "/s/pvc-c", nil, nil, "pvc-c", "unknown"),
            volume(4, "/s/weird", "q\"b\\n\nl", "x", nil, "current"),
            volume(5, "/s/gone", "ns", "old", "pvc-e", "current", files: 9, goneAt: 5),
        ]
        let tracks = [
            TrackUsage(volumeID: 1, track: "scalp", files: 2, bytes: 200, lastWriteNs: Self.lastWrite),
            TrackUsage(volumeID: 1, track: "swing", files: 1, bytes: 100, lastWriteNs: 1_770_000_000 * 1_000_000_000),
            TrackUsage(volumeID: 2, track: "scalp", files: 1, bytes: 10, lastWriteNs: 1_769_000_000 * 1_000_000_000),
            TrackUsage(volumeID: 5, track: "scalp", files: 9, bytes: 999, lastWriteNs: 1),
        ]
        let alerts = [
            alert("volume-recreated", "ns/data"), alert("file-vanished", "a"), alert("file-vanished", "b"),
            alert("track-stale", "ns/data/scalp", "resolved"), alert("future-type", "z"),
        ]
        let text = MetricsRenderer.render(
            volumes: volumes, usedBytes: ["/s/pvc-a_ns_data": 8192, "/s/pvc-b_ns_data": 4096, "/s/weird": 0],
            tracks: tracks, alerts: alerts, scanDurationMs: 1234,
            alertTypes: ["volume-missing", "volume-recreated", "file-vanished", "track-stale"])
        let expected = #"""
            # HELP storage_agent_volumes Volume directories storage-agent knows (not gone).
            # TYPE storage_agent_volumes gauge
            storage_agent_volumes 4
            # HELP storage_agent_volume_info One series per volume directory, always 1: which node holds which directory of a PVC, in which state.
            # TYPE storage_agent_volume_info gauge
            storage_agent_volume_info{namespace="ns",pvc="data",pv="pvc-a",state="current",path="/s/pvc-a_ns_data",source="dirname"} 1
            storage_agent_volume_info{namespace="ns",pvc="data",pv="pvc-b",state="stale",path="/s/pvc-b_ns_data",source="dirname"} 1
            storage_agent_volume_info{namespace="",pvc="",pv="pvc-c",state="unknown",path="/s/pvc-c",source="dirname"} 1
            storage_agent_volume_info{namespace="q\"b\\n\nl",pvc="x",pv="",state="current",path="/s/weird",source="dirname"} 1
            # HELP storage_agent_volume_used_bytes Bytes allocated on disk below the volume directory, as du -s -B1 -x counts them.
            # TYPE storage_agent_volume_used_bytes gauge
            storage_agent_volume_used_bytes{namespace="ns",pvc="data",pv="pvc-a",state="current"} 8192
            storage_agent_volume_used_bytes{namespace="ns",pvc="data",pv="pvc-b",state="stale"} 4096
            storage_agent_volume_used_bytes{namespace="q\"b\\n\nl",pvc="x",pv="",state="current"} 0
            # HELP storage_agent_volume_files Live indexed files (those matching index.include) in the volume.
            # TYPE storage_agent_volume_files gauge
            storage_agent_volume_files{namespace="ns",pvc="data",pv="pvc-a",state="current"} 3
            storage_agent_volume_files{namespace="ns",pvc="data",pv="pvc-b",state="stale"} 1
            storage_agent_volume_files{namespace="",pvc="",pv="pvc-c",state="unknown"} 0
            storage_agent_volume_files{namespace="q\"b\\n\nl",pvc="x",pv="",state="current"} 0
            # HELP storage_agent_volume_capacity_bytes Capacity of the volume, from its PV or the configuration.
            # TYPE storage_agent_volume_capacity_bytes gauge
            storage_agent_volume_capacity_bytes{namespace="ns",pvc="data",pv="pvc-a",state="current"} 1073741824
            # HELP storage_agent_volume_last_write_timestamp_seconds Newest modification time among the volume's live indexed files, in Unix seconds.
            # TYPE storage_agent_volume_last_write_timestamp_seconds gauge
            storage_agent_volume_last_write_timestamp_seconds{namespace="ns",pvc="data",pv="pvc-a",state="current"} 1770076800.5
            storage_agent_volume_last_write_timestamp_seconds{namespace="ns",pvc="data",pv="pvc-b",state="stale"} 1769000000
            # HELP storage_agent_track_last_write_timestamp_seconds Newest modification time among the track's live indexed files in the PVC's directories, in Unix seconds.
            # TYPE storage_agent_track_last_write_timestamp_seconds gauge
            storage_agent_track_last_write_timestamp_seconds{namespace="ns",pvc="data",track="scalp"} 1770076800.5
            storage_agent_track_last_write_timestamp_seconds{namespace="ns",pvc="data",track="swing"} 1770000000
            # HELP storage_agent_track_bytes Sum of the sizes of the track's live indexed files in the PVC's directories.
            # TYPE storage_agent_track_bytes gauge
            storage_agent_track_bytes{namespace="ns",pvc="data",track="scalp"} 210
            storage_agent_track_bytes{namespace="ns",pvc="data",track="swing"} 100
            # HELP storage_agent_alerts_firing Alerts firing now, by type (see storage-agent alerts).
            # TYPE storage_agent_alerts_firing gauge
            storage_agent_alerts_firing{type="volume-missing"} 0
            storage_agent_alerts_firing{type="volume-recreated"} 1
            storage_agent_alerts_firing{type="file-vanished"} 2
            storage_agent_alerts_firing{type="track-stale"} 0
            storage_agent_alerts_firing{type="future-type"} 1
            # HELP storage_agent_scan_duration_seconds Duration of the last scan (full or partial).
            # TYPE storage_agent_scan_duration_seconds gauge
            storage_agent_scan_duration_seconds 1.234

            """#
        #expect(text == expected)
    }

    @Test func escapesBackslashQuoteAndNewlineOnly() {
        #expect(MetricsRenderer.escape("plain-name_1") == "plain-name_1")
        #expect(MetricsRenderer.escape("a\\b\"c\nd\te") == #"a\\b\"c\nd"# + "\te")
        #expect(MetricsRenderer.escape("세션\"") == "세션\\\"")
    }

    @Test func decimalsAreExact() {
        #expect(MetricsRenderer.decimal(1234, scale: 1000) == "1.234")
        #expect(MetricsRenderer.decimal(5, scale: 1000) == "0.005")
        #expect(MetricsRenderer.decimal(2000, scale: 1000) == "2")
        #expect(MetricsRenderer.decimal(1_770_076_800_000_000_001, scale: 1_000_000_000) == "1770076800.000000001")
        #expect(MetricsRenderer.decimal(-1_500_000_000, scale: 1_000_000_000) == "-2.5")
    }

    @Test func everyAlertTypeHasASampleAndAnEmptyIndexStillRenders() {
        let text = MetricsRenderer.render(volumes: [], usedBytes: [:], tracks: [], alerts: [], scanDurationMs: nil)
        for type in AlertType.allCases {
            #expect(text.contains("storage_agent_alerts_firing{type=\"\(type.rawValue)\"} 0\n"), "\(type)")
        }
        #expect(text.contains("storage_agent_volumes 0\n"))
        #expect(!text.contains("storage_agent_volume_files"))
        #expect(!text.contains("storage_agent_scan_duration_seconds"))
    }

    /// `storage_agent_volume_info{pvc="X"}` says where each directory of PVC X is: one series per
    /// directory whatever it holds, and a hostile directory or PVC name stays inside its label.
    @Test func volumeInfoHasOneSeriesPerDirectoryWithHostileNamesEscaped() {
        var pattern = volume(2, "/s/team\\a/\"x\"\n}\u{1B}[2J", "team\\a", "\"x\"\n}", nil, "current", files: 7)
        pattern.source = "pattern"
        let text = MetricsRenderer.render(
            volumes: [
                volume(1, "/s/pvc-1_obs_data", "obs", "data", "pvc-1", "stale", files: 4000),
                pattern,
                volume(3, "/s/pvc-3_obs_data", "obs", "data", "pvc-3", "current", files: 9, goneAt: 1),
            ], usedBytes: [:], tracks: [], alerts: [], scanDurationMs: nil, alertTypes: [])
        let info = text.split(separator: "\n").filter { $0.hasPrefix("storage_agent_volume_info") }
        #expect(
            info == [
                #"storage_agent_volume_info{namespace="obs",pvc="data",pv="pvc-1",state="stale",path="/s/pvc-1_obs_data",source="dirname"} 1"#,
                #"storage_agent_volume_info{namespace="team\\a",pvc="\"x\"\n}",pv="",state="current",path="/s/team\\\\a/\"x\"\\x0a}\\x1b[2J",source="pattern"} 1"#,
            ])
    }

    @Test func volumesWithTheSameLabelsGetAPathLabel() {
        let text = MetricsRenderer.render(
            volumes: [
                volume(1, "/a/data", "ns", "data", nil, "current", files: 1),
                volume(2, "/b/data", "ns", "data", nil, "current", files: 2),
                volume(3, "/c/other", "ns", "other", nil, "current", files: 3),
            ], usedBytes: [:], tracks: [], alerts: [], scanDurationMs: nil, alertTypes: [])
        #expect(
            text.contains(
                #"storage_agent_volume_files{namespace="ns",pvc="data",pv="",state="current",path="/a/data"} 1"#))
        #expect(
            text.contains(
                #"storage_agent_volume_files{namespace="ns",pvc="data",pv="",state="current",path="/b/data"} 2"#))
        #expect(text.contains(#"storage_agent_volume_files{namespace="ns",pvc="other",pv="",state="current"} 3"#))
    }

    @Test func watchFamiliesAreThereOnlyWhenTheDaemonGivesThem() {
        let daemon = MetricsRenderer.render(
            volumes: [], usedBytes: [:], tracks: [], alerts: [], scanDurationMs: nil,
            watches: MetricsRenderer.Watches(watched: 8, polled: 33), alertTypes: [])
        #expect(
            daemon == """
                # HELP storage_agent_volumes Volume directories storage-agent knows (not gone).
                # TYPE storage_agent_volumes gauge
                storage_agent_volumes 0
                # HELP storage_agent_watched_directories Directories the daemon watches with inotify (at most index.max_watches).
                # TYPE storage_agent_watched_directories gauge
                storage_agent_watched_directories 8
                # HELP storage_agent_polled_directories Directories over the inotify budget (index.max_watches), re-read on the daemon's 30 s tick instead.
                # TYPE storage_agent_polled_directories gauge
                storage_agent_polled_directories 33

                """)
        let byHand = MetricsRenderer.render(
            volumes: [], usedBytes: [:], tracks: [], alerts: [], scanDurationMs: nil, alertTypes: [])
        #expect(!byHand.contains("_directories"), "a process that holds no watches says nothing of them")
    }

    // MARK: - Textfile

    @Test func textfileIsReplacedAtomicallyWithMode0644() throws {
        let box = CLISandbox()
        let target = box.dir + "/storage_agent.prom"
        try TextfileWriter.write("a 1\n", to: target)
        var first = stat()
        #expect(stat(target, &first) == 0)
        try TextfileWriter.write("a 2\n", to: target)
        var second = stat()
        #expect(stat(target, &second) == 0)
        #expect(second.st_mode & 0o7777 == 0o644)
        #expect(second.st_ino != first.st_ino, "a new inode, renamed over the old one")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "a 2\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: box.dir).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func textfileInAMissingDirectoryIsAClearError() {
        let box = CLISandbox()
        #expect {
            try TextfileWriter.write("a 1\n", to: box.dir + "/nope/storage_agent.prom")
        } throws: { error in
            let e = error as? AgentError
            return e?.code == .cannotCreate && e?.message.contains("nope does not exist") == true
        }
    }

    // MARK: - End to end

    /// Samples of one family by their label text, e.g. `namespace="ns",pvc="data",...`.
    func samples(_ text: String, _ name: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            let parts = line.split(separator: " ")
            let head = parts.dropLast().joined(separator: " ")
            let labels = head.dropFirst(name.count).trimmingCharacters(in: CharacterSet(charactersIn: "{}"))
            out[labels] = Double(parts.last!)
        }
        return out
    }

    func du(_ path: String) -> Double { Double(TestSupport.du(path)) }

    @Test func metricsCommandReportsWhatDuReports() throws {
        let box = CLISandbox()
        let (data, logs) = box.observer()
        box.write(data + "/assets/scalp/20260203_16.jsonl", String(repeating: "{\"p\":12345}\n", count: 20_000))
        #expect(link(data + "/assets/scalp/20260203_16.jsonl", data + "/assets/copy.jsonl") == 0)
        let sparse = open(logs + "/sparse.log", O_WRONLY | O_CREAT, 0o644)
        #expect(ftruncate(sparse, 100 << 20) == 0)
        close(sparse)
        mkdir(box.dir + "/outside", 0o755)
        box.write(box.dir + "/outside/big.log", String(repeating: "x", count: 3 << 20))
        #expect(symlink(box.dir + "/outside/big.log", logs + "/big.log") == 0)

        let r = box.agent("metrics")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        let used = samples(r.stdout, "storage_agent_volume_used_bytes")
        #expect(used.count == 2)
        for (path, pvc) in [(data, "observer-data-pvc"), (logs, "observer-logs-pvc")] {
            let key = try #require(used.keys.first { $0.contains("pvc=\"\(pvc)\"") }, "\(used)")
            let expected = du(path)
            #expect(abs(used[key]! - expected) <= expected * 0.01, "\(pvc): \(used[key]!) vs du \(expected)")
        }
        #expect(samples(r.stdout, "storage_agent_volumes")[""] == 2)
        #expect(samples(r.stdout, "storage_agent_alerts_firing").count == AlertType.allCases.count)
        let tracks = samples(r.stdout, "storage_agent_track_bytes")
        #expect(tracks[#"namespace="observer-prod",pvc="observer-data-pvc",track="swing""#] == 3)
        #expect(samples(r.stdout, "storage_agent_scan_duration_seconds")[""] != nil)

        let target = box.dir + "/storage_agent.prom"
        let w = box.agent("metrics", "--textfile", target)
        #expect(w.status == 0, "\(w.stderr)")
        #expect(w.stdout.isEmpty)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == r.stdout)

        let missing = box.agent("metrics", "--textfile", box.dir + "/nope/storage_agent.prom")
        #expect(missing.status == 73)
        #expect(missing.stderr.contains("does not exist"), "\(missing.stderr)")
        #expect(box.agent("metrics", "--help").stdout.contains("--textfile"))
    }

    /// The daemon's textfile carries the counts its STATUS= line gives, with a budget that leaves
    /// most directories polled.
    @Test func theDaemonsTextfileSaysHowManyDirectoriesAreWatchedAndPolled() throws {
        let box = CLISandbox()
        let v = box.volume("obs", "data")
        for i in 0..<10 { box.write("\(v)/d\(i)/x.jsonl", "{}\n") }
        let textfile = box.dir + "/textfile/storage_agent.prom"
        mkdir(box.dir + "/textfile", 0o755)
        let config = box.dir + "/daemon.yaml"
        box.write(config, "index:\n  max_watches: 4\nmetrics:\n  textfile: \(textfile)\n")
        let daemon = try DaemonRun(
            ["--config", config, "--db", box.db, "--storage-root", box.root], dir: box.dir)
        let ready = try #require(daemon.wait { $0.contains("READY=1") }, "\(daemon.output)")
        let status = daemon.messages[ready]
        let text = try String(contentsOfFile: textfile, encoding: .utf8)
        let watched = try #require(samples(text, "storage_agent_watched_directories")[""])
        let polled = try #require(samples(text, "storage_agent_polled_directories")[""])
        #expect(watched == 4, "the budget")
        #expect(polled == 8, "the storage root, the volume and its 10 directories: 12, 4 of them watched")
        #expect(status.contains("\(Int(watched)) directories watched, \(Int(polled)) polled"), "\(status)")
        #expect(daemon.stop() == 0)
        let byHand = box.agent("metrics", config: "index:\n  max_watches: 4\n")
        #expect(byHand.status == 0 && !byHand.stdout.contains("_directories"))
    }
}
