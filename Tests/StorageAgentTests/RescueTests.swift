import Foundation
import Glibc
import HostFS
import TestSupport
import Testing

/// `rescue --now` on a node with real overlay mounts (EphemeralNode): what is copied out of
/// writable layers, how a copy follows its source, and what a hostile layer gets copied (nothing).
@Suite struct RescueTests {
    static let scalp = "/app/data/assets/scalp/20260203_09.jsonl"
    static let podA = "observer-7d9f8b6c5-x2x4q"

    /// The node's config with the incident's volume (`mount: /app/data`) and a rescue area.
    static func config(_ node: EphemeralNode, _ rescue: String = "", directory: String? = nil) -> String {
        let path = node.dir + "/rescue-config-\(UInt32.random(in: 0...UInt32.max)).yaml"
        node.write(
            path,
            """
            storage_roots: ["\(node.dir)/storage"]
            ephemeral:
              containerd_root: "\(node.containerd)"
            volumes:
              - pvc: observer-prod/observer-data-pvc
                mount: /app/data
            rescue:
              directory: "\(directory ?? area(node))"
            \(rescue)
            """)
        node.mkdirs(node.dir + "/storage")
        return path
    }

    static func area(_ node: EphemeralNode) -> String { node.dir + "/state/rescue" }

    /// Where a file of pod A's container lands.
    static func rescued(_ node: EphemeralNode, _ containerPath: String) -> String {
        area(node) + "/observer-prod/\(podA)/observer" + containerPath
    }

    static func sha256(_ path: String) throws -> String {
        SHA256.hex(SHA256.hash(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    static func append(_ path: String, _ text: String) throws {
        let h = try #require(FileHandle(forWritingAtPath: path))
        try h.seekToEnd()
        try h.write(contentsOf: Data(text.utf8))
        try h.close()
    }

    static func inode(_ path: String) -> UInt64 {
        var st = stat()
        return lstat(path, &st) == 0 ? UInt64(st.st_ino) : 0
    }

    @Test func onlyFilesUnderAVolumesMountInItsNamespaceAreCopied() throws {
        let node = try EphemeralNode.running()
        let config = Self.config(node)
        let r = node.agent(["rescue", "--now", "--json"], config: config)
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.json
        // Snapshot 2 (observer-prod) has both files under /app/data; snapshot 3's /app/data file
        // belongs to a pod no one can name (no namespace), snapshot 4 writes /var/log.
        #expect(
            rows.compactMap { $0["container_path"] as? String } == [
                "/app/data/assets/scalp/20260203_09.jsonl", "/app/data/observer.jsonl",
            ])
        let scalp = try #require(rows.first)
        #expect(scalp["pod"] as? String == Self.podA && scalp["container"] as? String == "observer")
        #expect(scalp["namespace"] as? String == "observer-prod" && scalp["state"] as? String == "live")
        #expect(scalp["rescued_path"] as? String == Self.rescued(node, Self.scalp))
        #expect(scalp["size"] as? Int == 16 && scalp["generation"] as? Int == 1 && scalp["snapshot"] as? String == "2")
        let source = node.snapshots + "/2/fs" + Self.scalp
        let digest = try Self.sha256(source)
        #expect(scalp["sha256"] as? String == digest)
        #expect(try Self.sha256(Self.rescued(node, Self.scalp)) == (try Self.sha256(source)))
        let attributes = try FileManager.default.attributesOfItem(atPath: Self.rescued(node, Self.scalp))
        #expect((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 == 1_770_077_100, "mtime kept")
        var st = stat()
        #expect(lstat(Self.area(node), &st) == 0 && st.st_uid == 0 && st.st_mode & 0o7777 == 0o700)
        #expect(!FileManager.default.fileExists(atPath: Self.area(node) + "/_unknown"), "snapshot 3 is not rescued")

        let ephemeral = node.agent(["ephemeral", "--json"], config: config).json
        let saved = ephemeral.filter { ($0["rescued_bytes"] as? Int ?? 0) > 0 }
        #expect(
            saved.compactMap { $0["container_path"] as? String }.sorted() == [Self.scalp, "/app/data/observer.jsonl"])
        #expect(saved.allSatisfy { $0["rescued_bytes"] as? Int == $0["size"] as? Int })

        let table = node.agent(["rescue"], config: config)
        #expect(table.status == 0)
        #expect(table.stdout.split(separator: "\n").last?.hasPrefix("2 files, 25B held in \(Self.area(node))") == true)
    }

    @Test func rescuePathsAddContainerPathGlobsScopedToANamespace() throws {
        let node = try EphemeralNode.running()
        let config = Self.config(node, "  paths: [\"db-prod:/var/log/**\", \"other-ns:/app/**\"]")
        let rows = node.agent(["rescue", "--now", "--json"], config: config).json
        #expect(rows.compactMap { $0["container_path"] as? String }.contains("/var/log/app.log"))
        #expect(rows.count == 3, "the other-ns glob matches nothing of observer-prod or db-prod")
        let bad = node.agent([
            "check-config", Self.config(node, "  paths: [\"app/data\"]\n  max_bytes: lots\n  min_free: 120%"),
        ])
        #expect(bad.status == 78, "\(bad.stderr)")
        for error in [
            ":9: rescue.paths: bad entry 'app/data'", ":10: rescue.max_bytes: bad size 'lots'",
            ":11: rescue.min_free: bad value '120%'",
        ] {
            #expect(bad.stderr.contains(error), "\(bad.stderr)")
        }
    }

    @Test func aGrownFileIsExtendedInPlaceAndAShrunkOneGetsANewGeneration() throws {
        let node = try EphemeralNode.running()
        let config = Self.config(node)
        let source = node.snapshots + "/2/fs" + Self.scalp
        let copy = Self.rescued(node, Self.scalp)
        #expect(node.agent(["rescue", "--now"], config: config).status == 0)
        let first = Self.inode(copy)

        try Self.append(source, String(repeating: "{\"p\":3}\n", count: 20_000))
        let grown = node.agent(["rescue", "--now", "--json"], config: config)
        #expect(grown.stdout.isEmpty == false)
        #expect(Self.inode(copy) == first, "extended, not copied again")
        #expect(try Self.sha256(copy) == (try Self.sha256(source)))
        let row = try #require(grown.json.first)
        let digest = try Self.sha256(source)
        #expect(row["size"] as? Int == 16 + 160_000 && row["sha256"] as? String == digest)

        // Truncated and rewritten shorter: the old copy stays, a new generation follows the source.
        let before = try Self.sha256(copy)
        node.write(source, "{\"rewritten\":1}\n")
        let rewritten = node.agent(["rescue", "--now", "--json"], config: config).json.filter {
            $0["container_path"] as? String == Self.scalp
        }
        #expect(rewritten.map { $0["generation"] as? Int } == [1, 2])
        #expect(rewritten.map { $0["state"] as? String } == ["gone", "live"])
        #expect(try Self.sha256(copy) == before, "generation 1 kept as it was")
        #expect(try Self.sha256(copy + ".gen2") == (try Self.sha256(source)))

        // Same size, different bytes (replaced in place): generation 3.
        node.write(source, "{\"rewritten\":2}\n")
        let replaced = node.agent(["rescue", "--now", "--json"], config: config).json
        #expect(replaced.compactMap { $0["rescued_path"] as? String }.contains(copy + ".gen3"))
        #expect(try Self.sha256(copy + ".gen3") == (try Self.sha256(source)))

        // Nothing changed: nothing copied.
        let again = node.agent(["rescue", "--now"], config: config)
        #expect(again.stdout.hasSuffix("rescued now: 0 files (0B)\n"), "\(again.stdout)")
    }

    @Test func maxBytesHoldsFilesBackAndSaysWhy() throws {
        let node = try EphemeralNode.running()
        let config = Self.config(node, "  max_bytes: \"20\"")
        let r = node.agent(["rescue", "--now", "--json"], config: config)
        #expect(r.json.compactMap { $0["container_path"] as? String } == [Self.scalp], "16B fit, 9B more do not")
        let table = node.agent(["rescue", "--now"], config: config)
        #expect(
            table.stdout.hasSuffix("rescued now: 0 files (0B); 1 held back (9B): rescue.max_bytes (20B) reached\n"),
            "\(table.stdout)")
        // A floor of free space above what the file system has: nothing at all.
        let floor = Self.config(node, "  min_free: 100Ti", directory: node.dir + "/state/rescue2")
        let none = node.agent(["rescue", "--now"], config: floor)
        #expect(
            none.stdout.contains("2 held back (25B): the rescue area's file system is down to rescue.min_free"),
            "\(none.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: node.dir + "/state/rescue2").isEmpty)
    }

    /// Symlinks (to a file and to a directory of logs), a FIFO, a 1 TiB sparse file, a tree deeper
    /// than index.max_depth: none is copied; a name with control bytes is data, copied as its bytes
    /// and shown escaped.
    @Test func aHostileLayerRescuesNothingItShouldNot() throws {
        let node = try EphemeralNode.running()
        let data = node.snapshots + "/2/fs/app/data"
        try makeSymlink(data + "/passwd.jsonl", to: "/etc/passwd")
        try makeSymlink(data + "/logs", to: "/var/log")
        #expect(mkfifo(data + "/pipe.jsonl", 0o644) == 0)
        let sparse = open(data + "/huge.jsonl", O_CREAT | O_WRONLY, 0o644)
        #expect(ftruncate(sparse, 1 << 40) == 0)
        close(sparse)
        nestDirectories(data, depth: 70, name: { _ in "d" }, file: "deep.jsonl")
        try writeFile(cPath: Array((data + "/bad\nname\u{1b}[2J.jsonl").utf8), Array("{}\n".utf8))
        let config = Self.config(node)
        let r = node.agent(["rescue", "--now", "--json"], config: config)
        #expect(r.status == 0, "\(r.stderr)")
        let paths = r.json.compactMap { $0["container_path"] as? String }.sorted()
        #expect(
            paths == [
                "/app/data/assets/scalp/20260203_09.jsonl", "/app/data/bad\nname\u{1b}[2J.jsonl",
                "/app/data/observer.jsonl",
            ])
        #expect(r.stderr.contains("huge.jsonl: sparse"), "\(r.stderr)")
        #expect(r.stderr.contains("deep.jsonl: deeper than 64 levels"), "\(r.stderr)")
        var files: [String] = []
        let walker = try #require(FileManager.default.enumerator(atPath: Self.area(node)))
        while let next = walker.nextObject() as? String {
            let attributes = try FileManager.default.attributesOfItem(atPath: Self.area(node) + "/" + next)
            let type = attributes[.type] as? FileAttributeType
            #expect(type == .typeDirectory || type == .typeRegular, "\(next)")
            if type == .typeRegular { files.append(next) }
        }
        #expect(files.count == 3)
        let table = node.agent(["rescue"], config: config)
        #expect(table.stdout.contains("bad\\x0aname\\x1b[2J.jsonl") && !table.stdout.contains("\u{1b}"))
    }

    @Test func aSymlinkPlantedInTheRescueAreaIsRefused() throws {
        let node = try EphemeralNode.running()
        let config = Self.config(node)
        #expect(node.agent(["rescue", "--now"], config: config).status == 0)
        let outside = node.dir + "/outside"
        node.mkdirs(outside)
        let planted = Self.area(node) + "/observer-prod/\(Self.podA)/observer/app/data/assets"
        try FileManager.default.moveItem(atPath: planted, toPath: node.dir + "/moved")
        try makeSymlink(planted, to: outside)
        node.write(node.snapshots + "/2/fs/app/data/assets/new.jsonl", "{}\n")
        let r = node.agent(["rescue", "--now", "--json"], config: config)
        #expect(
            r.stderr.contains("new.jsonl: cannot be rescued: something in the rescue area is not a directory"),
            "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        // The area itself a symlink: refused, nothing made through it.
        let other = node.dir + "/state/rescue-link"
        try makeSymlink(other, to: outside)
        let linked = Self.config(node, directory: other)
        let refused = node.agent(["rescue", "--now"], config: linked)
        #expect(
            refused.status == 77 && refused.stderr.contains("it is not a directory (a symlink?)"), "\(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }

    @Test func anExitedContainersFilesAreStillRescuedAndGoneOnesCanBePruned() throws {
        let node = try EphemeralNode.running()
        let config = Self.config(node)
        #expect(node.agent(["ephemeral"], config: config).status == 0, "seen running: remembered")
        node.stop(upper: 2)
        let exited = node.agent(["rescue", "--now", "--json"], config: config).json
        #expect(exited.count == 2 && exited.allSatisfy { $0["state"] as? String == "exited" })
        // `ctr container rm`: the snapshot goes, the copies are the only ones left.
        removeTree(node.snapshots + "/2")
        let gone = node.agent(["rescue", "--now", "--json"], config: config).json
        #expect(gone.count == 2 && gone.allSatisfy { $0["state"] as? String == "gone" })
        let dry = node.agent(["rescue", "prune", "--older-than", "0s"], config: config)
        #expect(
            dry.status == 0 && dry.stdout.contains("2 copies (25B) to remove older than 0s\ndry run"), "\(dry.stdout)")
        #expect(FileManager.default.fileExists(atPath: Self.rescued(node, Self.scalp)))
        let young = node.agent(["rescue", "prune", "--older-than", "30d", "--apply"], config: config)
        #expect(young.stdout.hasPrefix("0 copies (0B) removed older than 30d"), "\(young.stdout)")
        let applied = node.agent(["rescue", "prune", "--older-than", "0s", "--apply"], config: config)
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(!FileManager.default.fileExists(atPath: Self.rescued(node, Self.scalp)))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: Self.area(node)).isEmpty, "empty directories go too")
        #expect(node.agent(["rescue"], config: config).status == 1)
    }
}

/// `rescue restore` and the daemon's rescue on a node with real overlay mounts.
@Suite struct RescueRestoreTests {
    static let pvc = "pvc-4b0c8a8e-2f7d-4b61-9d55-0c8b8c2b1a01_observer-prod_observer-data-pvc"

    static func tree(_ root: String) -> [String: String] {
        var out: [String: String] = [:]
        guard let walker = FileManager.default.enumerator(atPath: root) else { return out }
        while let next = walker.nextObject() as? String {
            var st = stat()
            guard lstat(root + "/" + next, &st) == 0 else { continue }
            out[next] = st.st_mode & S_IFMT == S_IFREG ? (try? RescueTests.sha256(root + "/" + next)) ?? "?" : "dir"
        }
        return out
    }

    @Test func aDryRunChangesNothingAndApplyPlacesFilesBesideWhatDiffers() throws {
        let node = try EphemeralNode.running()
        let config = RescueTests.config(node)
        let volume = node.dir + "/storage/" + Self.pvc
        node.write(volume + "/observer.jsonl", "{\"already\":1}\n")
        #expect(node.agent(["rescue", "--now"], config: config).status == 0)
        let before = Self.tree(volume)
        let dry = node.agent(["rescue", "restore", "observer-prod/observer-data-pvc"], config: config)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(Self.tree(volume) == before, "a dry run changes nothing")
        #expect(
            dry.stdout.contains("1 to restore (16B), 1 to keep beside (9B), 0 already there, 0 refused"),
            "\(dry.stdout)")
        #expect(dry.stdout.hasSuffix("dry run: nothing changed; run again with --apply to restore into \(volume)\n"))

        let applied = node.agent(["rescue", "restore", "observer-prod/observer-data-pvc", "--apply"], config: config)
        #expect(applied.status == 0, "\(applied.stderr)")
        let actions = applied.stdout.split(separator: "\n").dropFirst().prefix(2).map { $0.split(separator: " ").first }
        #expect(actions == ["copy", "conflict"], "\(applied.stdout)")
        #expect(applied.stdout.contains("1 restored (16B), 1 kept beside (9B), 0 already there, 0 refused"))
        let scalp = volume + "/assets/scalp/20260203_09.jsonl"
        #expect(try RescueTests.sha256(scalp) == (try RescueTests.sha256(node.snapshots + "/2/fs" + RescueTests.scalp)))
        let beside = volume + "/observer.jsonl.rescued-\(RescueTests.podA)"
        #expect(
            try RescueTests.sha256(beside) == (try RescueTests.sha256(node.snapshots + "/2/fs/app/data/observer.jsonl"))
        )
        #expect(try String(contentsOfFile: volume + "/observer.jsonl", encoding: .utf8) == "{\"already\":1}\n")
        for path in [scalp, beside, volume + "/assets", volume + "/assets/scalp"] {
            var st = stat()
            #expect(lstat(path, &st) == 0 && st.st_uid == 999 && st.st_gid == 999, "\(path) given to the volume owner")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: scalp)
        #expect((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 == 1_770_077_100)

        let again = node.agent(["rescue", "restore", "observer-prod/observer-data-pvc", "--apply"], config: config)
        #expect(
            again.stdout.contains("0 restored (0B), 0 kept beside (0B), 2 already there, 0 refused"), "\(again.stdout)")
        let other = node.agent(
            ["rescue", "restore", "observer-prod/observer-data-pvc", "--from-pod", "nobody"], config: config)
        #expect(
            other.status == 1
                && other.stderr.contains(
                    "nothing rescued for PVC observer-prod/observer-data-pvc under /app/data from pod nobody")
        )
    }

    @Test func theDaemonRescuesOnItsFirstCycleAndSaysSoInTheJournalFields() throws {
        let node = try EphemeralNode.running()
        let config = RescueTests.config(node, "  max_bytes: \"20\"")
        let daemon = try DaemonRun(
            ["--config", config, "--db", node.dir + "/state/inventory.db"], dir: node.dir,
            environment: ["STORAGE_AGENT_KUBELET_ROOT": node.kubelet])
        #expect(daemon.wait { $0.contains("READY=1") } != nil, "\(daemon.output)")
        #expect(daemon.stop() == 0)
        let alerts = node.agent(["alerts", "--json"], config: config).json
        let rescued = try #require(alerts.first { $0["type"] as? String == "data-rescued" })
        #expect(rescued["subject"] as? String == "observer-prod/\(RescueTests.podA)/observer")
        #expect(rescued["count"] as? Int == 1)
        #expect(
            (rescued["message"] as? String)?.hasPrefix(
                "Copied 1 tracked file (16B) of pod observer-prod/\(RescueTests.podA), container observer,") == true)
        let stopped = try #require(alerts.first { $0["type"] as? String == "rescue-stopped" })
        #expect(
            (stopped["message"] as? String)?.contains(
                "1 tracked file (9B) in writable layers were not copied, rescue.max_bytes (20B) reached") == true)
        let writes = alerts.filter { $0["type"] as? String == "ephemeral-writes" && $0["subject"] as? String == "2" }
        #expect(
            (writes.first?["message"] as? String)?.hasSuffix("; 16B of it is already rescued (storage-agent rescue)")
                == true)
        #expect(daemon.output.contains("rescued now: 1 file (16B); 1 held back (9B): rescue.max_bytes (20B) reached"))
    }
}
