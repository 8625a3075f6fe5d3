import Glibc
import HostFS
import PVCResolver
import TestSupport
import Testing

@testable import Alerting
@testable import StorageAgent

/// Durations, globs, owners, windows, time zones, tracks and volumes entries.
extension ConfigTests {
    @Test func aBadDurationNamesTheKeyAndLine() {
        let error = configError("index:\n  include: [\"*.jsonl\"]\n  rescan_interval: 10x\n")
        #expect(error?.line == 3)
        #expect(error?.message.contains("index.rescan_interval") == true)
        #expect(error?.message.contains("duration") == true)
        #expect(configError("alerts:\n  renotify: six hours\n")?.line == 2)
        #expect(configError("tracks:\n  scalp: {retention: 3days}\n")?.line == 2)
        #expect(configError("tracks:\n  swing:\n    stale_after: -5m\n")?.line == 3)
    }

    @Test func aRescanIntervalUnderTenSecondsIsRejected() throws {
        #expect(configError("index:\n  rescan_interval: 5s\n")?.line == 2)
        #expect(try parse("index:\n  rescan_interval: 10s\n").rescanInterval == 10)
    }

    @Test func aBadGlobNamesTheKeyAndLine() {
        let error = configError("storage_roots: [/data]\nindex:\n  include: [\"*.jsonl\", \"[abc\"]\n")
        #expect(error?.line == 3)
        #expect(error?.message.contains("[abc") == true)
        #expect(error?.message.contains("index.include") == true)
        #expect(configError("index:\n  include: [\"logs/*.log\"]\n")?.line == 2)
        #expect(configError("index:\n  include: \"*.log\"\n")?.line == 2)
    }

    @Test
    func aBadGlobInABlockListNamesTheItemsLine() {
        let error = configError("index:\n  include:\n    - \"*.jsonl\"\n    - \"*.log\"\n    - \"[abc\"\n")
        #expect(error?.line == 5)
    }

    @Test func aBadOwnerNamesTheKeyAndLine() {
        let error = configError("database: /db\nowner: abc:1\n")
        #expect(error?.line == 2)
        #expect(error?.message.contains("owner") == true)
        for owner in [
            "\"1:2:3\"", "\"-1:0\"", "\"4294967295:0\"", "\"999:\"", "\":999\"", "ubuntu", "\"\"", "[999, 999]",
        ] {
            #expect(configError("owner: \(owner)\n")?.line == 1, "\(owner)")
        }
        #expect(configError("volumes:\n  - pvc: ns/data\n    owner: observer\n")?.line == 3)
    }

    @Test func ownersAreNumericUidGidOrASingleId() throws {
        #expect(try parse("owner: 1000:1001\n").owner == Owner(uid: 1000, gid: 1001))
        #expect(try parse("owner: \"0:0\"\n").owner == Owner(uid: 0, gid: 0))
        #expect(try parse("owner: 1000\n").owner == Owner(uid: 1000, gid: 1000))
        #expect(
            try parse("volumes:\n  - pvc: ns/db\n    owner: \"70:70\"\n").volumes.first?.owner
                == Owner(uid: 70, gid: 70))
        #expect(Owner(uid: 999, gid: 998).description == "999:998")
    }

    @Test func tabsForIndentationNameTheirLine() {
        let error = configError("index:\n  include: [\"*.jsonl\"]\n\trescan_interval: 10m\n")
        #expect(error?.line == 3)
        #expect(error?.message.contains("tab") == true)
    }

    @Test func duplicateKeysNameTheSecondLine() {
        let error = configError("database: /a.db\nowner: \"1:1\"\ndatabase: /b.db\n")
        #expect(error?.line == 3)
        #expect(error?.message.contains("database") == true)
        #expect(configError("tracks:\n  scalp: {}\n  scalp: {}\n")?.line == 3)
    }

    @Test func aRelativeStorageRootNamesItsLine() {
        let error = configError("database: /db\nstorage_roots: [/var/lib/rancher/k3s/storage, data/storage]\n")
        #expect(error?.line == 2)
        #expect(error?.message.contains("data/storage") == true)
        #expect(configError("storage_roots: /var/lib/rancher/k3s/storage\n")?.line == 1)
        #expect(configError("database: inventory.db\n")?.line == 1)
    }

    @Test
    func aRelativeStorageRootInABlockListNamesTheItemsLine() {
        let error = configError("storage_roots:\n  - /var/lib/rancher/k3s/storage\n  - data/storage\n")
        #expect(error?.line == 3)
    }

    @Test func aBadActiveWindowNamesItsLine() {
        for window in [
            "Mon-Fri 9:00-15:30", "Funday 09:00-10:00", "Mon-Fri 15:30-09:00", "Mon-Fri 09:00-24:30", "Mon-Fri",
            "Mon-Fri 09:00", "Mon-Fri 09:60-10:00", "09:00-15:30", "Mon-Fri 09:00-15:30 KST", "Mon-Xyz 09:00-10:00",
            "Mon- 09:00-10:00",
        ] {
            let error = configError("tracks:\n  scalp:\n    active: \"\(window)\"\n")
            #expect(error?.line == 3, "\(window)")
            #expect(error?.message.contains("tracks.scalp.active") == true, "\(window)")
        }
    }

    @Test func activeWindowsParseDaysAndMinutes() throws {
        let weekend = try #require(ActiveWindow.parse("Sat-Sun 00:00-24:00"))
        #expect(weekend.days == [6, 0])
        #expect(weekend.startMinute == 0)
        #expect(weekend.endMinute == 1440)
        #expect(ActiveWindow.parse("Mon,Wed 10:00-12:00")?.days == [1, 3])
        #expect(ActiveWindow.parse("Fri-Mon 08:00-09:00")?.days == [5, 6, 0, 1])
        #expect(ActiveWindow.parse("mon-fri 09:00-15:30")?.days == [1, 2, 3, 4, 5])
        #expect(ActiveWindow.parse("Mon-Fri 09:00-15:30") == .marketHours)
        #expect(try parse("tracks:\n  scalp: {active: null}\n").track("scalp")?.active == nil)
    }

    @Test func anUnknownTimeZoneNamesItsLine() {
        for zone in ["Asia/Nowhere", "Mars/Olympus_Mons", "../../etc/passwd", "/etc/localtime", "\"\""] {
            let error = configError("tracks:\n  swing:\n    retention: 7d\n    timezone: \(zone)\n")
            #expect(error?.line == 4, "\(zone)")
            #expect(error?.message.contains("tracks.swing.timezone") == true, "\(zone)")
        }
        #expect(configError("tracks:\n  scalp: {timezone: Asia/Pyongyang_Typo}\n")?.line == 2)
    }

    @Test func realTimeZonesAreAccepted() throws {
        #expect(try parse("tracks:\n  scalp: {timezone: UTC}\n").track("scalp")?.timezone == "UTC")
        #expect(try parse("tracks:\n  scalp: {timezone: Europe/Berlin}\n").track("scalp")?.timezone == "Europe/Berlin")
    }

    @Test
    func aTimeZoneDirectoryIsNotATimeZone() {
        #expect(configError("tracks:\n  scalp: {timezone: Asia}\n")?.line == 2)
        #expect(configError("tracks:\n  scalp: {timezone: Asia/}\n")?.line == 2)
    }

    // MARK: comments, quoting, flow syntax

    @Test func commentsAfterValuesAreIgnored() throws {
        let c = try parse(
            """
            database: /var/lib/storage-agent/other.db   # moved to the big disk
            alerts:
              max_per_cycle: 20 # fewer
              renotify: 1h30m   # one and a half
            # a whole-line comment
            """)
        #expect(c.database == "/var/lib/storage-agent/other.db")
        #expect(c.maxPerCycle == 20)
        #expect(c.renotify == 5400)
    }

    @Test func quotedStringsMayContainHashAndColonSpace() throws {
        let c = try parse(
            """
            kubernetes:
              pv_command: "k3s kubectl get pv -o json # all of it: really"   # a real comment
            metrics:
              textfile: '/var/lib/node-exporter/a #1: b.prom'
            """)
        #expect(c.pvCommand == "k3s kubectl get pv -o json # all of it: really")
        #expect(c.metricsTextfile == "/var/lib/node-exporter/a #1: b.prom")
    }

    @Test func flowMapsAndListsWork() throws {
        let c = try parse(
            """
            storage_roots: [/var/lib/rancher/k3s/storage, "/mnt/fast storage"]
            index: {include: ["*.jsonl", "*.log", "*.ndjson"], rescan_interval: 30s}
            alerts: {renotify: 1d, max_per_cycle: 5}
            volumes:
              - {pvc: observer-prod/observer-db-pvc, expect: true, capacity: 10Gi}
            """)
        #expect(c.storageRoots == ["/var/lib/rancher/k3s/storage", "/mnt/fast storage"])
        #expect(c.include.map(\.pattern) == ["*.jsonl", "*.log", "*.ndjson"])
        #expect(c.rescanInterval == 30)
        #expect(c.renotify == 86_400)
        #expect(c.maxPerCycle == 5)
        #expect(c.volumes.first?.claim == "observer-prod/observer-db-pvc")
        #expect(c.volumes.first?.capacity == 10_737_418_240)
        #expect(c.volumes.first?.expect == true)
    }

    @Test func blockListsWork() throws {
        let c = try parse(
            """
            storage_roots:
              - /var/lib/rancher/k3s/storage
              - /mnt/data
            index:
              include:
                - "*.jsonl"
                - scalp_*.log
            """)
        #expect(c.storageRoots == ["/var/lib/rancher/k3s/storage", "/mnt/data"])
        #expect(c.include.map(\.pattern) == ["*.jsonl", "scalp_*.log"])
    }

    // MARK: sections

    @Test func listedTracksStartFromTheirDefaultsAndNewTracksAreAdded() throws {
        let c = try parse(
            """
            tracks:
              scalp: {retention: 5d}
              backfill: {retention: 2d, hourly: yes}
            """)
        let scalp = try #require(c.track("scalp"))
        #expect(scalp.retention == 432_000)
        #expect(scalp.active == .marketHours)
        #expect(scalp.timezone == "Asia/Seoul")
        #expect(scalp.staleAfter == 600)
        #expect(scalp.hourly)
        #expect(c.trackNames == ["scalp", "swing", "system", "maintenance", "backfill"])
        #expect(c.track("backfill")?.retention == 172_800)
        #expect(c.track("backfill")?.hourly == true)
        #expect(c.track("backfill")?.active == nil)
    }

    @Test func nullsClearATracksSettings() throws {
        let c = try parse("tracks:\n  scalp: {retention: null, stale_after: ~}\n")
        #expect(c.track("scalp")?.retention == nil)
        #expect(c.track("scalp")?.staleAfter == nil)
    }

    @Test func badTrackNamesAndBadBooleansNameTheirLine() {
        #expect(configError("tracks:\n  scalp: {}\n  bad_name: {}\n")?.line == 3)
        #expect(configError("tracks:\n  scalp: {hourly: maybe}\n")?.line == 2)
        #expect(configError("tracks:\n  scalp: {hourly: \"true\"}\n")?.line == 2)
        #expect(configError("tracks: [scalp, swing]\n")?.line == 1)
    }

    @Test
    func anEmptyTrackNameIsRejected() {
        #expect(configError("tracks:\n  scalp: {}\n  \"\": {retention: 1d}\n")?.line == 3)
    }

    @Test func volumesEntriesAreValidated() {
        let missing = configError("volumes:\n  - expect: true\n    mount: /app/data\n")
        #expect(missing?.line == 2)
        #expect(missing?.message.contains("pvc") == true)
        #expect(configError("volumes:\n  - pvc: observer-data-pvc\n")?.line == 2)
        #expect(configError("volumes:\n  - pvc: Observer/data\n")?.line == 2)
        #expect(configError("volumes:\n  - pvc: ns/data/extra\n")?.line == 2)
        #expect(configError("volumes:\n  - pvc: ns/data\n    capacity: lots\n")?.line == 3)
        #expect(configError("volumes:\n  - pvc: ns/data\n    mount: app/data\n")?.line == 3)
        #expect(configError("volumes:\n  - pvc: ns/data\n    link: ~/observer/data\n")?.line == 3)
        #expect(configError("volumes:\n  - pvc: ns/data\n    expect: sometimes\n")?.line == 3)
        #expect(configError("volumes:\n  - path: opt/data\n    name: ns/data\n")?.line == 2)
        #expect(configError("volumes: {pvc: ns/data}\n")?.line == 1)
        let twice = configError("volumes:\n  - pvc: ns/data\n  - pvc: ns/data\n")
        #expect(twice?.line == 3)
        #expect(twice?.message.contains("ns/data") == true)
    }

    @Test func aClaimMayBeSettingsForAFoundVolumeAndAPathVolumeAtOnce() throws {
        let c = try parse("volumes:\n  - pvc: ns/data\n  - path: /opt/data\n    name: ns/data\n")
        #expect(c.volumes.map(\.path) == [nil, "/opt/data"])
        #expect(c.volumes.map(\.line) == [2, 3])
    }

    @Test func kubernetesAndPathPatternSettings() throws {
        let c = try parse(
            "kubernetes:\n  pv_command: k3s kubectl get pv -o json\npath_pattern: \"{namespace}/{pvc}\"\n")
        #expect(c.pvCommand == "k3s kubectl get pv -o json")
        #expect(c.pathPattern?.text == "{namespace}/{pvc}")
        let error = configError("database: /db\npath_pattern: \"{namespace}/../{pvc}\"\n")
        #expect(error?.line == 2)
        #expect(error?.message.contains("path_pattern") == true)
        #expect(configError("path_pattern: \"{pvc}\"\n")?.line == 1)
    }

    @Test func alertsMetricsAndEphemeralSettings() throws {
        let c = try parse(
            "alerts:\n  max_per_cycle: 0\nmetrics:\n  textfile: null\nephemeral:\n  containerd_root: /run/containerd\n")
        #expect(c.maxPerCycle == 0)
        #expect(c.metricsTextfile == nil)
        #expect(c.containerdRoot == "/run/containerd")
        #expect(configError("alerts:\n  max_per_cycle: -1\n")?.line == 2)
        #expect(configError("alerts:\n  max_per_cycle: many\n")?.line == 2)
        #expect(configError("metrics:\n  textfile: storage_agent.prom\n")?.line == 2)
        #expect(configError("ephemeral:\n  containerd_root: containerd\n")?.line == 2)
    }

    @Test func durationsTakeUnitsAndCombinations() {
        #expect(DurationText.seconds("90s") == 90)
        #expect(DurationText.seconds("10m") == 600)
        #expect(DurationText.seconds("6h") == 21_600)
        #expect(DurationText.seconds("3d") == 259_200)
        #expect(DurationText.seconds("1w") == 604_800)
        #expect(DurationText.seconds("1h30m") == 5400)
        #expect(DurationText.seconds("0s") == 0)
        for bad in ["", "10", "h", "10x", "1.5h", "-5m", "5 m", "m5", "10M", "٣m", "99999999999s"] {
            #expect(DurationText.seconds(bad) == nil, "\(bad)")
        }
    }

    // MARK: loading files
}
