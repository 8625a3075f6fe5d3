import Glibc
import HostFS
import PVCResolver
import TestSupport
import Testing

@Suite struct ResolverTests {
    @Test func defaultNamedDirectoriesAreVolumesWithTheirClaim() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let logs = volumeDirectoryName(UID.logs, "observer-prod", "observer-logs-pvc")
        let data = volumeDirectoryName(UID.data, "observer-prod", "observer-data-pvc")
        try makeDirectories(tmp.sub(logs))
        try makeDirectories(tmp.sub(data + "/assets/scalp"))
        try writeFile(tmp.sub(data + "/assets/scalp/20260203_09.jsonl"), "{}\n")

        let result = Resolver(roots: [tmp.path]).resolve()
        #expect(result.problems.isEmpty)
        #expect(result.volumes.count == 2)
        let v = try #require(result.volume(endingWith: logs))
        #expect(v.namespace == "observer-prod")
        #expect(v.pvc == "observer-logs-pvc")
        #expect(v.pv == "pvc-\(UID.logs)")
        #expect(v.claim == "observer-prod/observer-logs-pvc")
        #expect(v.root == tmp.path)
        #expect(v.components == [logs])
        #expect(v.path == tmp.path + "/" + logs)
        #expect(v.state == .current)
        #expect(v.source == .dirname)
        #expect(v.capacity == nil)
        #expect(v.createdNs > 0)
        #expect(result.volume(endingWith: data)?.pvc == "observer-data-pvc")
    }

    @Test func legacyDirectoryIsAVolumeInStateUnknown() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try makeDirectories(tmp.sub("pvc-\(UID.legacy)"))
        let result = Resolver(roots: [tmp.path]).resolve()
        let v = try #require(result.volumes.first)
        #expect(result.volumes.count == 1)
        #expect(v.state == .unknown)
        #expect(v.source == .dirname)
        #expect(v.pv == "pvc-\(UID.legacy)")
        #expect(v.namespace == nil)
        #expect(v.pvc == nil)
        #expect(v.claim == nil)
    }

    @Test func aSymlinkNamedLikeAVolumeIsNotAVolume() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let root = tmp.sub("storage")
        try makeDirectories(root)
        // A real directory, named like a volume, outside the root; the root links to it.
        let outside = tmp.sub(volumeDirectoryName(UID.data, "observer-prod", "observer-data-pvc"))
        try makeDirectories(outside)
        try writeFile(outside + "/observer.jsonl", "{}\n")
        try makeSymlink(root + "/" + volumeDirectoryName(UID.data, "observer-prod", "observer-data-pvc"), to: outside)
        try makeSymlink(root + "/pvc-\(UID.legacy)", to: "/etc")
        let result = Resolver(roots: [root]).resolve()
        #expect(result.volumes.isEmpty)
        #expect(result.problems.isEmpty)
    }

    @Test func nonDirectoriesNamedLikeAVolumeAreIgnored() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try writeFile(tmp.sub(volumeDirectoryName(UID.data, "observer-prod", "observer-data-pvc")), "not a directory")
        #expect(mkfifo(tmp.sub(volumeDirectoryName(UID.db, "observer-prod", "observer-db-pvc")), 0o600) == 0)
        try makeDirectories(tmp.sub(volumeDirectoryName(UID.logs, "observer-prod", "observer-logs-pvc")))
        let result = Resolver(roots: [tmp.path]).resolve()
        #expect(result.volumes.map(\.pvc) == ["observer-logs-pvc"])
    }

    @Test func lostAndFoundAndOtherDirectoriesAreIgnored() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        for name in [
            "lost+found", "observer-prod", "pvc-\(UID.data)_observer-prod", "pvc-\(UID.data)_Observer-prod_data",
            "pvc-\(UID.data)_observer-prod_data_extra", "backup", ".snapshot",
        ] {
            try makeDirectories(tmp.sub(name))
        }
        try makeDirectories(tmp.sub(volumeDirectoryName(UID.db, "observer-prod", "observer-db-pvc")))
        let result = Resolver(roots: [tmp.path]).resolve()
        #expect(result.volumes.map(\.pvc) == ["observer-db-pvc"])
    }

    @Test func aVolumeDirectoryInsideAVolumeIsNotAnotherVolume() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let outer = volumeDirectoryName(UID.data, "observer-prod", "observer-data-pvc")
        try makeDirectories(tmp.sub(outer + "/" + volumeDirectoryName(UID.db, "evil", "planted")))
        let result = Resolver(roots: [tmp.path]).resolve()
        #expect(result.volumes.map(\.pvc) == ["observer-data-pvc"])
    }

    @Test func theNewerOfTwoDirectoriesForOneClaimIsCurrentTheOtherStale() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        // The PVC was deleted and recreated under the same name. The old directory sorts after
        // the new one, so a path tie-break alone would pick the wrong one.
        let old = volumeDirectoryName(UID.old, "observer-prod", "observer-data-pvc")
        let new = volumeDirectoryName(UID.data, "observer-prod", "observer-data-pvc")
        try makeDirectories(tmp.sub(old))
        try writeFile(tmp.sub(old + "/observer.jsonl"), "{}\n")
        try setModificationTime(tmp.sub(old), seconds: 1_770_000_000)
        sleepPastASecond()
        try makeDirectories(tmp.sub(new))

        let result = Resolver(roots: [tmp.path]).resolve()
        #expect(result.volumes.count == 2)
        let newer = try #require(result.volume(endingWith: new))
        let older = try #require(result.volume(endingWith: old))
        #expect(newer.createdNs > older.createdNs)
        #expect(newer.state == .current)
        #expect(older.state == .stale)
    }

    @Test func recreatedVolumesOfDifferentClaimsStayCurrent() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try makeDirectories(tmp.sub(volumeDirectoryName(UID.data, "observer-prod", "observer-data-pvc")))
        try makeDirectories(tmp.sub(volumeDirectoryName(UID.old, "observer-dev", "observer-data-pvc")))
        try makeDirectories(tmp.sub(volumeDirectoryName(UID.db, "observer-prod", "observer-db-pvc")))
        let result = Resolver(roots: [tmp.path]).resolve()
        #expect(result.volumes.count == 3)
        #expect(result.volumes.allSatisfy { $0.state == .current })
    }

    @Test func aMissingStorageRootIsAProblemNotACrash() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let present = tmp.sub("present")
        try makeDirectories(present + "/" + volumeDirectoryName(UID.db, "observer-prod", "observer-db-pvc"))
        let missing = tmp.sub("missing")
        let result = Resolver(roots: [missing, present]).resolve()
        let problem = try #require(result.problems.first)
        #expect(result.problems.count == 1)
        #expect(problem.path == missing)
        #expect(problem.error.errno == ENOENT)
        #expect(problem.description.contains(missing))
        // The other root is still scanned.
        #expect(result.volumes.map(\.pvc) == ["observer-db-pvc"])
    }

    @Test func aStorageRootThatIsAFileIsAnENOTDIRProblem() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try writeFile(tmp.sub("storage"), "oops")
        let result = Resolver(roots: [tmp.sub("storage")]).resolve()
        #expect(result.volumes.isEmpty)
        #expect(result.problems.map(\.error.errno) == [ENOTDIR])
    }

    @Test func aTrailingSlashOnARootDoesNotDoubleTheSlash() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let name = volumeDirectoryName(UID.logs, "observer-prod", "observer-logs-pvc")
        try makeDirectories(tmp.sub(name))
        let result = Resolver(roots: [tmp.path + "//"]).resolve()
        let v = try #require(result.volumes.first)
        #expect(v.root == tmp.path)
        #expect(v.path == tmp.path + "/" + name)
    }

    @Test func volumesFromSeveralRootsAreSortedByPath() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let b = tmp.sub("b-root")
        let a = tmp.sub("a-root")
        try makeDirectories(b + "/" + volumeDirectoryName(UID.data, "zeta", "first"))
        try makeDirectories(a + "/" + volumeDirectoryName(UID.logs, "alpha", "second"))
        try makeDirectories(a + "/" + volumeDirectoryName(UID.db, "alpha", "third"))
        let result = Resolver(roots: [b, a]).resolve()
        let paths = result.volumes.map(\.path)
        #expect(paths.count == 3)
        #expect(paths == paths.sorted())
        #expect(result.volumes.map(\.root) == [a, a, b])
    }

    @Test func configuredPathsAreVolumesFromTheConfig() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let root = tmp.sub("storage")
        try makeDirectories(root)
        let hostPath = tmp.sub("opt/platform/runtime/observer/logs")
        try makeDirectories(hostPath)
        let configured = ConfiguredPath(path: hostPath + "/", namespace: "observer-prod", pvc: "observer-logs-hostpath")
        let result = Resolver(roots: [root], configured: [configured]).resolve()
        #expect(result.problems.isEmpty)
        let v = try #require(result.volumes.first)
        #expect(result.volumes.count == 1)
        #expect(v.source == .config)
        #expect(v.state == .current)
        #expect(v.namespace == "observer-prod")
        #expect(v.pvc == "observer-logs-hostpath")
        #expect(v.pv == nil)
        #expect(v.root == nil)
        #expect(v.path == hostPath)
        #expect(v.createdNs > 0)
    }

    @Test func aConfiguredPathInsideARootKeepsItsRoot() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try makeDirectories(tmp.sub("custom/data"))
        let result = Resolver(
            roots: [tmp.path], configured: [ConfiguredPath(path: tmp.sub("custom/data"), namespace: "ns", pvc: "data")]
        ).resolve()
        let v = try #require(result.volumes.first)
        #expect(v.root == tmp.path)
        #expect(v.components == ["custom", "data"])
        #expect(v.path == tmp.sub("custom/data"))
    }

    @Test func aConfiguredPathAlreadyFoundAsADirectoryIsNotListedTwice() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let name = volumeDirectoryName(UID.data, "observer-prod", "observer-data-pvc")
        try makeDirectories(tmp.sub(name))
        let configured = ConfiguredPath(path: tmp.sub(name), namespace: "observer-prod", pvc: "observer-data-pvc")
        let result = Resolver(roots: [tmp.path], configured: [configured]).resolve()
        #expect(result.volumes.count == 1)
        #expect(result.volumes.first?.source == .dirname)
    }

    @Test func aMissingConfiguredPathIsAProblemWithENOENT() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let missing = tmp.sub("opt/observer/data")
        let result = Resolver(
            roots: [tmp.path], configured: [ConfiguredPath(path: missing, namespace: "ns", pvc: "data")]
        ).resolve()
        #expect(result.volumes.isEmpty)
        let problem = try #require(result.problems.first)
        #expect(problem.path == missing)
        #expect(problem.error.errno == ENOENT)
    }
}
