import Glibc
import HostFS
import PVCResolver
import TestSupport
import Testing

@testable import Alerting
@testable import StorageAgent

/// The configuration example of design.md, "Configuration", verbatim.
private let designExample = """
    storage_roots: [/var/lib/rancher/k3s/storage]
    database: /var/lib/storage-agent/inventory.db
    index:
      include: ["*.jsonl", "*.log"]
      rescan_interval: 10m
    owner: "999:999"                 # default owner for volumes that ask for ownership fixing
    kubernetes:
      pv_command: null               # e.g. "k3s kubectl get pv -o json"
    path_pattern: null               # e.g. "{namespace}/{pvc}"
    tracks:
      scalp:  {retention: 3d, active: "Mon-Fri 09:00-15:30", timezone: Asia/Seoul, stale_after: 10m, hourly: true}
      swing:  {retention: 7d, active: "Mon-Fri 09:00-15:30", timezone: Asia/Seoul, stale_after: 60m}
      system: {retention: 30d}
      maintenance: {}
    volumes:
      - pvc: observer-prod/observer-data-pvc
        expect: true                 # alert when missing
        mount: /app/data             # alert when no running container mounts it there
        link: /home/ubuntu/observer/data
        fix_ownership: true          # uses `owner` unless `owner:` is given here
        capacity: 20Gi               # when the PV list is not available
      - path: /opt/platform/runtime/observer/logs   # a hostPath volume
        name: observer-prod/observer-logs-hostpath
    alerts:
      renotify: 6h
      max_per_cycle: 50
    metrics:
      textfile: /var/lib/prometheus/node-exporter/storage_agent.prom
    ephemeral:
      containerd_root: /var/lib/rancher/k3s/agent/containerd
    """

@Suite struct ConfigTests {
    func parse(_ text: String) throws -> Config { try Config.parse(text, file: "test.yaml") }

    /// The error `Config.parse` throws for `text`, or nil (recorded as an issue) when it parses.
    func configError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
        do {
            _ = try Config.parse(text, file: "test.yaml")
            Issue.record("expected a ConfigError", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    // MARK: the design example and the defaults

    @Test func theDesignExampleParsesWithTheValuesItShows() throws {
        let c = try parse(designExample)
        #expect(c.storageRoots == ["/var/lib/rancher/k3s/storage"])
        #expect(c.database == "/var/lib/storage-agent/inventory.db")
        #expect(c.include.map(\.pattern) == ["*.jsonl", "*.log"])
        #expect(c.rescanInterval == 600)
        #expect(c.owner == Owner(uid: 999, gid: 999))
        #expect(c.pvCommand == nil)
        #expect(c.pathPattern == nil)
        #expect(c.trackNames == ["scalp", "swing", "system", "maintenance"])
        let scalp = try #require(c.track("scalp"))
        #expect(scalp.retention == 259_200)
        #expect(scalp.active?.days == [1, 2, 3, 4, 5])
        #expect(scalp.active?.startMinute == 540)
        #expect(scalp.active?.endMinute == 930)
        #expect(scalp.active?.text == "Mon-Fri 09:00-15:30")
        #expect(scalp.timezone == "Asia/Seoul")
        #expect(scalp.staleAfter == 600)
        #expect(scalp.hourly)
        let swing = try #require(c.track("swing"))
        #expect(swing.retention == 604_800)
        #expect(swing.staleAfter == 3600)
        #expect(!swing.hourly)
        #expect(c.track("system")?.retention == 2_592_000)
        #expect(c.track("system")?.active == nil)
        #expect(c.track("maintenance") == Track(name: "maintenance"))
        #expect(c.volumes.count == 2)
        let data = c.volumes[0]
        #expect(data.claim == "observer-prod/observer-data-pvc")
        #expect(data.path == nil)
        #expect(data.expect)
        #expect(data.mount == "/app/data")
        #expect(data.link == "/home/ubuntu/observer/data")
        #expect(data.fixOwnership)
        #expect(data.owner == nil)
        #expect(data.capacity == 21_474_836_480)
        #expect(data.line == 16)
        let logs = c.volumes[1]
        #expect(logs.path == "/opt/platform/runtime/observer/logs")
        #expect(logs.namespace == "observer-prod")
        #expect(logs.pvc == "observer-logs-hostpath")
        #expect(!logs.expect)
        #expect(!logs.fixOwnership)
        #expect(logs.capacity == nil)
        #expect(logs.line == 22)
        #expect(c.renotify == 21_600)
        #expect(c.maxPerCycle == 50)
        #expect(c.metricsTextfile == "/var/lib/prometheus/node-exporter/storage_agent.prom")
        #expect(c.containerdRoot == "/var/lib/rancher/k3s/agent/containerd")
    }

    @Test func theDesignExampleValuesAreTheBuiltInDefaults() throws {
        let example = try parse(designExample)
        let defaults = Config()
        #expect(defaults.storageRoots == example.storageRoots)
        #expect(defaults.database == example.database)
        #expect(defaults.include == example.include)
        #expect(defaults.rescanInterval == example.rescanInterval)
        #expect(defaults.owner == example.owner)
        #expect(defaults.tracks == example.tracks)
        #expect(defaults.renotify == example.renotify)
        #expect(defaults.maxPerCycle == example.maxPerCycle)
        #expect(defaults.containerdRoot == example.containerdRoot)
        // ... except these, which are off or empty by default.
        #expect(defaults.volumes.isEmpty)
        #expect(defaults.metricsTextfile == nil)
        #expect(defaults.pvCommand == nil)
    }

    @Test func anEmptyFileGivesTheDefaults() throws {
        for text in ["", "\n", "# nothing configured yet\n", "---\n"] {
            let c = try parse(text)
            #expect(c.storageRoots == ["/var/lib/rancher/k3s/storage"])
            #expect(c.database == "/var/lib/storage-agent/inventory.db")
            #expect(c.include.map(\.pattern) == ["*.jsonl", "*.log"])
            #expect(c.rescanInterval == 600)
            #expect(c.owner == Owner(uid: 999, gid: 999))
            #expect(c.tracks == Track.defaults)
            #expect(c.volumes.isEmpty)
            #expect(c.renotify == 21_600)
            #expect(c.maxPerCycle == 50)
            #expect(c.metricsTextfile == nil)
            #expect(c.pvCommand == nil)
            #expect(c.pathPattern == nil)
        }
    }

    @Test func aTopLevelThatIsNotAMappingIsAnError() {
        let error = configError("- /var/lib/rancher/k3s/storage\n")
        #expect(error?.line == 1)
        #expect(error?.message.contains("mapping") == true)
    }

    // MARK: unknown keys

    @Test func anUnknownTopLevelKeyNamesTheKeyAndItsLine() {
        let error = configError(
            """
            # storage-agent
            database: /var/lib/storage-agent/inventory.db
            storag_roots: [/data]
            """)
        #expect(error?.line == 3)
        #expect(error?.message.contains("storag_roots") == true)
        #expect(error?.message.contains("storage_roots") == true)  // the known keys are listed
        #expect(error?.file == "test.yaml")
        #expect(error?.description.hasPrefix("test.yaml:3: ") == true)
    }

    @Test func anUnknownKeyInAFlowTrackNamesItsLine() {
        let error = configError(
            """
            tracks:
              swing: {retention: 7d}
              scalp: {retention: 3d, retension: 4d}
            """)
        #expect(error?.line == 3)
        #expect(error?.message.contains("retension") == true)
        #expect(error?.message.contains("tracks.scalp") == true)
    }

    @Test func anUnknownKeyInABlockTrackNamesItsLine() {
        let error = configError(
            """
            tracks:
              scalp:
                retention: 3d
                hourly: true
                stale: 10m
            """)
        #expect(error?.line == 5)
        #expect(error?.message.contains("'stale'") == true)
    }

    @Test func unknownKeysInOtherSectionsNameTheirLine() {
        #expect(configError("index:\n  include: [\"*.log\"]\n  exclude: [\"*.gz\"]\n")?.line == 3)
        #expect(configError("alerts:\n  renotify: 1h\n  email: ops@example.com\n")?.line == 3)
        #expect(configError("kubernetes:\n  kubeconfig: /etc/rancher/k3s/k3s.yaml\n")?.line == 2)
        #expect(configError("metrics:\n  port: 9100\n")?.line == 2)
        let volume = configError("volumes:\n  - pvc: ns/data\n    mount: /app/data\n    mountpoint: /x\n")
        #expect(volume?.line == 4)
        #expect(volume?.message.contains("mountpoint") == true)
    }

    // MARK: bad values name their line

    @Test func loadingAMissingNamedFileIsMissingInput() {
        do {
            _ = try Config.load(path: "/nonexistent/storage-agent/config.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .missingInput)
            #expect(error.message.contains("/nonexistent/storage-agent/config.yaml"))
        }
    }

    @Test func loadingAFileRemembersItsSourceAndReportsErrorsWithFileAndLine() throws {
        var template = Array("/tmp/sa-config-test.XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            Issue.record("mkdtemp failed")
            return
        }
        let dir = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let good = dir + "/good.yaml"
        let bad = dir + "/bad.yaml"
        defer {
            unlink(good)
            unlink(bad)
            rmdir(dir)
        }
        try writeConfigFile(good, "owner: \"1000:1000\"\n")
        try writeConfigFile(bad, "owner: \"1000:1000\"\nowner_typo: 1\n")
        let c = try Config.load(path: good)
        #expect(c.source == good)
        #expect(c.owner == Owner(uid: 1000, gid: 1000))
        do {
            _ = try Config.load(path: bad)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .config)
            #expect(error.message.contains("\(bad):2:"))
            #expect(error.message.contains("owner_typo"))
        }
    }
}

private func writeConfigFile(_ path: String, _ text: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw SystemError("open", path: path) }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, bytes.count) }) == bytes.count else {
        throw SystemError("write", path: path)
    }
}
