import Glibc
import HostFS
import PVCResolver
import TestSupport
import Testing

@Suite struct PersistentVolumeTests {
    let root = "/var/lib/rancher/k3s/storage"

    func fixture() -> String {
        pvList([
            pvObject(
                uid: UID.logs, namespace: "observer-prod", pvc: "observer-logs-pvc",
                path: "\(root)/pvc-\(UID.logs)_observer-prod_observer-logs-pvc", source: "hostPath",
                created: "2026-02-03T00:00:00Z", capacity: "20Gi"),
            pvObject(
                uid: UID.data, namespace: "observer-prod", pvc: "observer-data-pvc",
                path: "\(root)/pvc-\(UID.data)_observer-prod_observer-data-pvc", source: "local",
                created: "2026-02-04T09:30:15Z", capacity: "5Gi", node: "oci-arm-1"),
            pvObject(uid: UID.db, namespace: "observer-prod", pvc: "observer-db-pvc", path: "", source: "csi"),
        ])
    }

    @Test func parsesARealKubectlPVList() throws {
        let pvs = try parsePVs(fixture())
        #expect(pvs.count == 2)
        let logs = try #require(pvs.first { $0.name == "pvc-\(UID.logs)" })
        #expect(logs.path == "\(root)/pvc-\(UID.logs)_observer-prod_observer-logs-pvc")
        #expect(logs.claimNamespace == "observer-prod")
        #expect(logs.claimName == "observer-logs-pvc")
        #expect(logs.capacity == 21_474_836_480)
        #expect(logs.createdNs == 1_770_076_800_000_000_000)
        #expect(logs.node == "observer-node-1")
    }

    @Test func takesThePathFromSpecLocalForK3sPVs() throws {
        let pvs = try parsePVs(fixture())
        let data = try #require(pvs.first { $0.name == "pvc-\(UID.data)" })
        #expect(data.path == "\(root)/pvc-\(UID.data)_observer-prod_observer-data-pvc")
        #expect(data.claimName == "observer-data-pvc")
        #expect(data.capacity == 5_368_709_120)
        #expect(data.createdNs == 1_770_197_415_000_000_000)  // 2026-02-04T09:30:15Z
        #expect(data.node == "oci-arm-1")
    }

    @Test func skipsPVsWithoutAHostPathOrLocalSource() throws {
        let pvs = try parsePVs(fixture())
        #expect(!pvs.contains { $0.name == "pvc-\(UID.db)" })
    }

    @Test func skipsPVsWithARelativePathOrNoName() throws {
        let noName = pvObject(uid: UID.old, namespace: "ns", pvc: "x", path: "/data/x").replacingFirst(
            "\"name\": \"pvc-\(UID.old)\",", with: "")
        let pvs = try parsePVs(
            pvList([pvObject(uid: UID.data, namespace: "ns", pvc: "data", path: "relative/dir"), noName]))
        #expect(pvs.isEmpty)
    }

    @Test func aPVWithoutAClaimHasNoClaim() throws {
        let pvs = try parsePVs(pvList([pvObject(uid: UID.old, namespace: nil, pvc: nil, path: "/data/available")]))
        let pv = try #require(pvs.first)
        #expect(pv.claimNamespace == nil)
        #expect(pv.claimName == nil)
    }

    @Test func parsesASinglePVObject() throws {
        let pvs = try parsePVs(
            pvObject(uid: UID.logs, namespace: "observer-prod", pvc: "observer-logs-pvc", path: "/data/logs"))
        #expect(pvs.map(\.name) == ["pvc-\(UID.logs)"])
    }

    @Test func anEmptyListHasNoPVs() throws {
        #expect(try parsePVs(pvList([])).isEmpty)
    }

    @Test func malformedJSONThrowsJSONError() {
        let text = fixture()
        let truncated = String(text.prefix(text.count / 2))
        #expect(throws: JSONError.self) { try parsePVs(truncated) }
        #expect(throws: JSONError.self) { try parsePVs("") }
        #expect(throws: JSONError.self) { try parsePVs("error: the server doesn't have a resource type \"pv\"\n") }
    }

    @Test func jsonThatIsNotAPVListThrows() {
        let error = #expect(throws: JSONError.self) {
            try parsePVs(#"{"apiVersion": "v1", "kind": "Status", "status": "Failure", "message": "Unauthorized"}"#)
        }
        #expect(error?.reason.contains("items") == true)
        #expect(throws: JSONError.self) { try parsePVs("[]") }
    }

    @Test func aPVWithFieldsOfAnotherTypeIsSkippedNotTheList() throws {
        let good = pvObject(uid: UID.logs, namespace: "ns", pvc: "logs", path: "/data/logs")
        let numberName = pvObject(uid: UID.old, namespace: "ns", pvc: "x", path: "/data/x").replacingFirst(
            "\"name\": \"pvc-\(UID.old)\"", with: "\"name\": 7")
        let pvs = try parsePVs(pvList([numberName, "42", "null", good]))
        #expect(pvs.map(\.name) == ["pvc-\(UID.logs)"])
        let noClaim = try parsePVs(
            pvList([good.replacingFirst("\"namespace\": \"ns\"", with: "\"namespace\": [\"ns\"]")]))
        #expect(noClaim.first?.claimNamespace == nil)
        #expect(noClaim.first?.claimName == "logs")
    }

    @Test func timestampsAreCalendarExact() {
        #expect(PersistentVolume.parseTimestamp("1970-01-01T00:00:00Z") == 0)
        #expect(PersistentVolume.parseTimestamp("1999-12-31T23:59:59Z") == 946_684_799_000_000_000)
        #expect(PersistentVolume.parseTimestamp("2024-02-29T12:00:00Z") == 1_709_208_000_000_000_000)
        #expect(PersistentVolume.parseTimestamp("2100-03-01T00:00:00Z") == 4_107_542_400_000_000_000)
        #expect(PersistentVolume.parseTimestamp("2026-13-01T00:00:00Z") == nil)
        #expect(PersistentVolume.parseTimestamp("2026-02-03T24:00:00Z") == nil)
    }

    @Test func timestampsWithoutTheirFieldsAreNil() throws {
        let bad = pvObject(uid: UID.logs, namespace: "ns", pvc: "logs", path: "/data/logs", created: "yesterday")
        let pv = try #require(try parsePVs(pvList([bad])).first)
        #expect(pv.createdNs == nil)
    }
}

@Suite struct ResolverWithPersistentVolumesTests {
    @Test func claimedDirectoriesComeFromTheAPIWithTheirCapacity() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let logs = volumeDirectoryName(UID.logs, "observer-prod", "observer-logs-pvc")
        let data = volumeDirectoryName(UID.data, "observer-prod", "observer-data-pvc")
        try makeDirectories(tmp.sub(logs))
        try makeDirectories(tmp.sub(data))
        let pvs = try parsePVs(
            pvList([
                pvObject(
                    uid: UID.logs, namespace: "observer-prod", pvc: "observer-logs-pvc", path: tmp.sub(logs),
                    capacity: "5Gi"),
                pvObject(
                    uid: UID.data, namespace: "observer-prod", pvc: "observer-data-pvc", path: tmp.sub(data),
                    source: "local"),
            ]))
        let result = Resolver(roots: [tmp.path], persistentVolumes: pvs).resolve()
        #expect(result.problems.isEmpty)
        #expect(result.volumes.count == 2)
        let l = try #require(result.volume(endingWith: logs))
        #expect(l.source == .api)
        #expect(l.state == .current)
        #expect(l.capacity == 5_368_709_120)
        #expect(l.pv == "pvc-\(UID.logs)")
        #expect(l.claim == "observer-prod/observer-logs-pvc")
        #expect(l.root == tmp.path)
        #expect(l.components == [logs])
        #expect(l.createdNs == 1_770_076_800_000_000_000)
        let d = try #require(result.volume(endingWith: data))
        #expect(d.source == .api)
        #expect(d.capacity == 21_474_836_480)
    }

    @Test func aVolumeDirectoryNoPVClaimsIsAnOrphan() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let claimed = volumeDirectoryName(UID.logs, "observer-prod", "observer-logs-pvc")
        let retained = volumeDirectoryName(UID.old, "observer-prod", "observer-data-pvc")
        try makeDirectories(tmp.sub(claimed))
        try makeDirectories(tmp.sub(retained))
        try makeDirectories(tmp.sub("pvc-\(UID.legacy)"))
        let pvs = try parsePVs(
            pvList([
                pvObject(uid: UID.logs, namespace: "observer-prod", pvc: "observer-logs-pvc", path: tmp.sub(claimed))
            ]))
        let result = Resolver(roots: [tmp.path], persistentVolumes: pvs).resolve()
        #expect(result.volumes.count == 3)
        #expect(result.volume(endingWith: claimed)?.state == .current)
        let orphan = try #require(result.volume(endingWith: retained))
        #expect(orphan.state == .orphan)
        #expect(orphan.source == .dirname)
        #expect(orphan.claim == "observer-prod/observer-data-pvc")
        #expect(result.volume(endingWith: "pvc-\(UID.legacy)")?.state == .orphan)
    }

    @Test func anEmptyPVListMakesEveryDirectoryAnOrphan() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try makeDirectories(tmp.sub(volumeDirectoryName(UID.logs, "observer-prod", "observer-logs-pvc")))
        let result = Resolver(roots: [tmp.path], persistentVolumes: []).resolve()
        #expect(result.volumes.map(\.state) == [.orphan])
        // Without a PV list (API off or down) the same directory is current.
        #expect(Resolver(roots: [tmp.path], persistentVolumes: nil).resolve().volumes.map(\.state) == [.current])
    }

    @Test func theNewerOfTwoPVsForOneClaimIsCurrent() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        // The newer PV's directory is made first, so only the API timestamps can order them.
        let newer = volumeDirectoryName(UID.data, "observer-prod", "observer-data-pvc")
        let older = volumeDirectoryName(UID.old, "observer-prod", "observer-data-pvc")
        try makeDirectories(tmp.sub(newer))
        sleepPastASecond()
        try makeDirectories(tmp.sub(older))
        let pvs = try parsePVs(
            pvList([
                pvObject(
                    uid: UID.data, namespace: "observer-prod", pvc: "observer-data-pvc", path: tmp.sub(newer),
                    created: "2026-02-10T08:00:00Z"),
                pvObject(
                    uid: UID.old, namespace: "observer-prod", pvc: "observer-data-pvc", path: tmp.sub(older),
                    created: "2025-11-01T08:00:00Z"),
            ]))
        let result = Resolver(roots: [tmp.path], persistentVolumes: pvs).resolve()
        #expect(result.volume(endingWith: newer)?.state == .current)
        #expect(result.volume(endingWith: older)?.state == .stale)
        #expect(result.volumes.allSatisfy { $0.source == .api })
    }

    @Test func aPVWhoseDirectoryIsNotOnThisNodeIsNotAVolume() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let pvs = try parsePVs(
            pvList([
                pvObject(
                    uid: UID.logs, namespace: "observer-prod", pvc: "observer-logs-pvc",
                    path: tmp.sub("elsewhere/pvc-\(UID.logs)"))
            ]))
        let result = Resolver(roots: [tmp.path], persistentVolumes: pvs).resolve()
        #expect(result.volumes.isEmpty)
    }

    @Test func aHostPathPVOutsideTheRootsHasNoRoot() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let root = tmp.sub("storage")
        try makeDirectories(root)
        let hostPath = tmp.sub("opt/platform/runtime/observer/data")
        try makeDirectories(hostPath)
        let pvs = try parsePVs(
            pvList([pvObject(uid: UID.data, namespace: "observer-prod", pvc: "observer-data-pvc", path: hostPath)]))
        let v = try #require(Resolver(roots: [root], persistentVolumes: pvs).resolve().volumes.first)
        #expect(v.root == nil)
        #expect(v.path == hostPath)
        #expect(v.source == .api)
    }

    @Test func aPVWithoutAClaimIsUnknown() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let name = "pvc-\(UID.legacy)"
        try makeDirectories(tmp.sub(name))
        let pvs = try parsePVs(pvList([pvObject(uid: UID.legacy, namespace: nil, pvc: nil, path: tmp.sub(name))]))
        let v = try #require(Resolver(roots: [tmp.path], persistentVolumes: pvs).resolve().volumes.first)
        #expect(v.state == .unknown)
        #expect(v.source == .api)
    }

    @Test func aCSIPVIsSkippedAndItsClaimsDirectoryBecomesAnOrphan() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let name = volumeDirectoryName(UID.db, "observer-prod", "observer-db-pvc")
        try makeDirectories(tmp.sub(name))
        let pvs = try parsePVs(
            pvList([
                pvObject(
                    uid: UID.db, namespace: "observer-prod", pvc: "observer-db-pvc", path: tmp.sub(name), source: "csi")
            ]))
        #expect(pvs.isEmpty)
        let result = Resolver(roots: [tmp.path], persistentVolumes: pvs).resolve()
        #expect(result.volumes.map(\.source) == [.dirname])
        #expect(result.volumes.map(\.state) == [.orphan])
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let r = firstRange(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(r, with: replacement)
        return copy
    }
}
