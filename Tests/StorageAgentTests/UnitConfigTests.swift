import Foundation
import Glibc
import HostFS
import TestSupport
import Testing

@testable import StorageAgent

/// check-config, and the writable directories the unit is granted from a configuration.
@Suite struct UnitConfigTests {
    // MARK: every error, with its line

    @Test func everyProblemOfAFileIsReportedWithItsLineNotOnlyTheFirst() {
        let text = """
            bogus: 1
            index:
              rescan_interval: 1s
              include: ["["]
            alerts:
              renotify: soon
              max_per_cycle: many
            volumes:
              - pvc: ns/good
              - pvc: NotAName
              - pvc: ns/data
                link: /home/u/my data
            """
        let (config, problems) = Config.parseAll(text, file: "c.yaml")
        #expect(problems.map(\.line) == [1, 3, 4, 6, 7, 10, 12])
        #expect(problems[0].description.hasPrefix("c.yaml:1: unknown key 'bogus'"))
        #expect(problems[6].message.contains("cannot grant"))
        // What could be read was read: the good volume entry is there.
        #expect(config.volumes.map(\.claim).contains("ns/good"))
    }

    @Test func checkConfigExits78WithEveryErrorAndZeroForAGoodFile() throws {
        let t = try TempDir("check")
        defer { t.remove() }
        let bad = t.sub("bad.yaml")
        try writeFile(bad, "bogus: 1\nalerts:\n  renotify: soon\n")
        let r = CLI.run(["check-config", bad])
        #expect(r.status == 78)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 3, "\(r.stderr)")
        #expect(
            lines[0]
                == "\(bad):1: unknown key 'bogus'; known keys: storage_roots, database, index, owner, kubernetes, path_pattern, tracks, volumes, alerts, metrics, ephemeral, rescue"
        )
        #expect(lines[1].hasPrefix("\(bad):3: alerts.renotify: bad duration"))
        #expect(lines[2].hasPrefix("storage-agent: 2 errors in \(bad)"))

        let good = t.sub("good.yaml")
        try writeFile(good, "storage_roots: [\(t.path)]\nvolumes:\n  - pvc: ns/data\n    fix_ownership: true\n")
        let ok = CLI.run(["check-config", good])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("\(good): ok (1 volume; writable for the unit: "))
        #expect(CLI.run(["check-config", t.sub("absent.yaml")]).status == 66)
        // --config names the file when no argument does.
        #expect(CLI.run(["--config", bad, "check-config"]).status == 78)
    }

    @Test func indexOnlyCommandsWorkWithABrokenFileAndTheOthersFailWith78() throws {
        let box = Sandbox(label: "sa-broken")
        box.write(box.volume("ns", "data") + "/scalp/20260203_09.jsonl", "{}\n")
        let config = box.dir + "/config.yaml"
        try writeFile(config, "storage_roots: [\(box.root)]\ndatabase: \(box.dbPath)\n")
        #expect(CLI.run(["--config", config, "scan"]).status == 0)
        try writeFile(config, "storage_roots: [\(box.root)]\ndatabase: \(box.dbPath)\nbogus: 1\n")
        let q = CLI.run(["--config", config, "--db", box.dbPath, "query", "--json"])
        #expect(q.status == 0, "\(q.stderr)")
        #expect(q.stdout.contains("20260203_09.jsonl"))
        #expect(q.stderr.split(separator: "\n").count == 1)
        #expect(q.stderr.contains("\(config):3: unknown key 'bogus'"))
        #expect(q.stderr.contains("storage-agent check-config"))
        #expect(CLI.run(["--config", config, "--db", box.dbPath, "alerts"]).status != 78)
        #expect(CLI.run(["--config", config, "--db", box.dbPath, "pvc", "list"]).status == 0)
        // Scanning needs the file: refresh, scan and fixing fail with 78.
        #expect(CLI.run(["--config", config, "--db", box.dbPath, "query", "--refresh"]).status == 78)
        #expect(CLI.run(["--config", config, "scan"]).status == 78)
        #expect(CLI.run(["--config", config, "fix-ownership", "--dry-run"]).status == 78)
    }

    // MARK: what the unit may write

    @Test func aLinkInAHomeGrantsTheHomeNeverAPathTheUserCanSwap() throws {
        let t = try TempDir("grant")
        defer { t.remove() }
        let home = t.sub("home/u")
        try makeDirectories(home + "/observer")
        chown(home, 1000, 1000)
        chown(home + "/observer", 1000, 1000)
        let none: (String) -> Void = { Issue.record("unexpected warning: \($0)") }
        #expect(WritablePaths.trusted(home + "/observer", whole: false, base: t.path, warn: none) == home)
        // A symlink the user planted where the link's parent should be changes nothing.
        try makeSymlink(home + "/evil", to: "/etc")
        #expect(WritablePaths.trusted(home + "/evil", whole: false, base: t.path, warn: none) == home)
        // A parent only root controls, and missing levels: the deepest existing directory.
        try makeDirectories(t.sub("srv/links"))
        #expect(WritablePaths.trusted(t.sub("srv/links"), whole: false, base: t.path, warn: none) == t.sub("srv/links"))
        #expect(
            WritablePaths.trusted(t.sub("srv/links/a/b"), whole: false, base: t.path, warn: none) == t.sub("srv/links"))
    }

    @Test func aStorageRootIsGrantedOnlyWhenRootAloneNamesEveryStepToIt() throws {
        let t = try TempDir("grant")
        defer { t.remove() }
        try makeDirectories(t.sub("var/lib/storage"))
        var warnings: [String] = []
        let warn: (String) -> Void = { warnings.append($0) }
        #expect(
            WritablePaths.trusted(t.sub("var/lib/storage"), whole: true, base: t.path, warn: warn)
                == t.sub("var/lib/storage"))
        // Group-writable on the way, a symlink on the way, missing: not granted, and said.
        chmod(t.sub("var/lib"), 0o775)
        #expect(WritablePaths.trusted(t.sub("var/lib/storage"), whole: true, base: t.path, warn: warn) == nil)
        chmod(t.sub("var/lib"), 0o755)
        try makeSymlink(t.sub("var/link"), to: t.sub("var/lib"))
        #expect(WritablePaths.trusted(t.sub("var/link/storage"), whole: true, base: t.path, warn: warn) == nil)
        #expect(WritablePaths.trusted(t.sub("var/absent"), whole: true, base: t.path, warn: warn) == nil)
        #expect(WritablePaths.trusted("/srv/with space", whole: true, warn: warn) == nil)
        #expect(warnings.count == 4, "\(warnings)")
    }

    @Test func theDropInNamesEachDirectoryOnceAndReadsBack() {
        #expect(WritablePaths.minimal(["/b", "/a/x", "/a", "/b"]) == ["/a", "/b"])
        let paths = WritablePaths(paths: ["/home/u", "/var/lib/rancher/k3s/storage"])
        let text = paths.dropIn(source: "/etc/storage-agent/config.yaml") ?? ""
        #expect(text.contains("ReadWritePaths=-/home/u -/var/lib/rancher/k3s/storage\n"))
        #expect(WritablePaths.parse(dropIn: text) == paths)
        #expect(WritablePaths(paths: []).dropIn(source: "x") == nil)
    }

    @Test func aConfigurationWithoutFixingOrLinksGrantsNothing() throws {
        let none: (String) -> Void = { Issue.record("unexpected warning: \($0)") }
        let plain = try Config.parse("volumes:\n  - pvc: ns/data\n    expect: true\n", file: "c.yaml")
        #expect(WritablePaths(config: plain, warn: none).paths == [])
    }
}

@Suite struct WatchBudgetConfigTests {
    @Test func theWatchBudgetIsAQuarterOfTheSystemLimitUnlessConfiguredAndNeverAboveIt() throws {
        let limit = try #require(Inotify.systemLimit())
        #expect(Config().watchBudget == max(1, limit / 4))
        #expect(try Config.parse("index:\n  max_watches: 10\n", file: "c.yaml").watchBudget == 10)
        #expect(try Config.parse("index:\n  max_watches: \(limit * 2)\n", file: "c.yaml").watchBudget == limit)
        let (_, problems) = Config.parseAll("index:\n  max_watches: 0\n", file: "c.yaml")
        #expect(problems.map(\.line) == [2])
    }

    @Test func theDepthBoundIsSixtyFourUnlessConfigured() throws {
        #expect(Config().maxDepth == 64)
        #expect(try Config.parse("index:\n  max_depth: 200\n", file: "c.yaml").maxDepth == 200)
        let (_, problems) = Config.parseAll("index:\n  max_depth: 0\n", file: "c.yaml")
        #expect(problems.map(\.message) == ["index.max_depth must be at least 1"])
    }
}
