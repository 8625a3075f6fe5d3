import Foundation
import Glibc
import TestSupport
import Testing

@testable import StorageAgent

/// The `ephemeral` command on a node with real overlay mounts (EphemeralNode).
@Suite struct EphemeralTests {
    static let keys: Set<String> = [
        "path", "container_path", "size", "mtime", "snapshot", "pod", "namespace", "container", "state",
        "rescued_bytes",
    ]

    @Test func commandPrintsTheContractJSONAndATable() throws {
        let node = try EphemeralNode.running()
        let r = node.agent(["ephemeral", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let rows = r.json
        #expect(rows.count == 4)
        for row in rows { #expect(Set(row.keys) == Self.keys) }
        let s = node.snapshots
        let scalp = try #require(rows.first)
        #expect(scalp["path"] as? String == "\(s)/2/fs/app/data/assets/scalp/20260203_09.jsonl")
        #expect(scalp["container_path"] as? String == "/app/data/assets/scalp/20260203_09.jsonl")
        #expect(scalp["size"] as? Int == 16)
        #expect(scalp["mtime"] as? String == "2026-02-03T00:05:00Z")
        #expect(scalp["snapshot"] as? String == "2")
        #expect(scalp["pod"] as? String == "observer-7d9f8b6c5-x2x4q")
        #expect(scalp["namespace"] as? String == "observer-prod")
        #expect(scalp["container"] as? String == "observer")
        #expect(scalp["state"] as? String == "live" && scalp["rescued_bytes"] as? Int == 0)
        let unknown = rows[2]
        #expect(unknown["path"] as? String == "\(s)/3/fs/app/data/observer.jsonl")
        #expect(unknown["container_path"] as? String == "/app/data/observer.jsonl")
        #expect(unknown["size"] as? Int == 3)
        for key in ["pod", "namespace", "container"] { #expect(unknown[key] is NSNull, "\(key)") }
        #expect(rows[3]["container"] is NSNull)
        #expect(rows[3]["pod"] as? String == "postgres-0")
        for absent in [
            "seed.jsonl", "dpkg.log", "evil.jsonl", "pipe.jsonl", "deleted.jsonl", "x.parquet", "leak.jsonl",
        ] {
            #expect(!r.stdout.contains(absent), "\(absent)")
        }

        let table = node.agent(["ephemeral"])
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == 1 + 4 + 1)
        #expect(
            lines.first?.split(separator: " ").map(String.init) == [
                "PATH", "CONTAINER-PATH", "SIZE", "MODIFIED", "STATE", "POD", "NAMESPACE",
            ])
        #expect(lines.last == "4 files, 30B at risk in 3 writable layers")
        #expect(lines[3].split(separator: " ").suffix(2) == ["-", "-"])
    }

    @Test func anExitedContainersFilesAreListedWithThePodTheyBelongedTo() throws {
        let node = try EphemeralNode.running()
        #expect(node.agent(["ephemeral", "--json"]).status == 0, "seen running: remembered")
        node.stop(upper: 2)
        let r = node.agent(["ephemeral", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.json
        #expect(rows.count == 4)
        let exited = rows.filter { $0["snapshot"] as? String == "2" }
        #expect(exited.count == 2)
        for row in exited {
            #expect(row["state"] as? String == "exited")
            #expect(
                row["pod"] as? String == "observer-7d9f8b6c5-x2x4q" && row["namespace"] as? String == "observer-prod")
            #expect(row["container"] as? String == "observer" && row["rescued_bytes"] as? Int == 0)
        }
        #expect(rows.filter { $0["snapshot"] as? String != "2" }.allSatisfy { $0["state"] as? String == "live" })
        let table = node.agent(["ephemeral"])
        #expect(table.stdout.hasSuffix("4 files, 30B at risk in 3 writable layers (1 of exited containers)\n"))
        #expect(table.stdout.split(separator: "\n")[1].contains(" exited "))
    }

    @Test func anUnprivilegedUsersLookalikeLayerIsNotListed() throws {
        let node = try EphemeralNode.running()
        let user = try TestUser()
        _ = try node.intruder(user, snapshot: 1)
        let r = node.agent(["ephemeral", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.json.compactMap { $0["snapshot"] as? String } == ["2", "2", "3", "4"])
        #expect(!r.stdout.contains("seed.jsonl") && !r.stdout.contains("dpkg.log"))
        withExtendedLifetime(user) {}
    }

    /// The daemon's first cycle (before READY=1) raises ephemeral-writes for the pods' layers only.
    @Test func theDaemonRaisesNoAlertForALookalikeLayer() throws {
        let node = try EphemeralNode.running()
        let user = try TestUser()
        _ = try node.intruder(user, snapshot: 1)
        node.mkdirs(node.dir + "/storage")
        let daemon = try DaemonRun(
            [
                "--config", node.configPath, "--db", node.dir + "/state/inventory.db", "--storage-root",
                node.dir + "/storage",
            ],
            dir: node.dir, environment: ["STORAGE_AGENT_KUBELET_ROOT": node.kubelet])
        #expect(daemon.wait { $0.contains("READY=1") } != nil, "\(daemon.output)")
        let alerts = node.agent(["alerts", "--json"]).json.filter { $0["type"] as? String == "ephemeral-writes" }
        #expect(alerts.compactMap { $0["subject"] as? String }.sorted() == ["2", "3", "4"])
        #expect(daemon.stop() == 0)
        withExtendedLifetime(user) {}
    }

    @Test func nothingLiveIsExitOneAfterAnEmptyAnswer() {
        let node = EphemeralNode()
        node.imageLayer(1)
        _ = node.layer(2)
        let json = node.agent(["ephemeral", "--json"])
        #expect(json.status == 1)
        #expect(json.stdout == "[]\n")
        let table = node.agent(["ephemeral"])
        #expect(table.status == 1)
        #expect(table.stdout.hasSuffix("\n0 files, 0B at risk in 0 writable layers\n"))
        #expect(table.stderr.split(separator: "\n").count == 1)
    }

    @Test func aNodeWithoutContainerdSaysSoAndExitsOne() {
        let node = EphemeralNode()
        let r = node.agent(["ephemeral"])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("storage-agent: no containerd snapshots under \(node.containerd);"))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }
}
