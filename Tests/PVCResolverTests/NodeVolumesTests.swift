import PVCResolver
import TestSupport
import Testing

@Suite struct NodeVolumesTests {
    func resolve(_ tmp: TempDir, pvCommand: String?, capacities: [String: Int64] = [:]) -> (
        Resolution, [CommandProblem]
    ) {
        var problems: [CommandProblem] = []
        let resolution = NodeVolumes.resolve(
            roots: [tmp.sub("storage")], pattern: nil, configured: [], pvCommand: pvCommand, capacities: capacities,
            kubeletRoot: tmp.sub("kubelet")
        ) { problems.append($0) }
        return (resolution, problems)
    }

    @Test func thePVListFromTheCommandMakesTheVolumesAPIOnes() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let name = volumeDirectoryName(UID.logs, "observer-prod", "observer-logs-pvc")
        try makeDirectories(tmp.sub("storage/\(name)"))
        try writeFile(
            tmp.sub("pvs.json"),
            pvList([
                pvObject(
                    uid: UID.logs, namespace: "observer-prod", pvc: "observer-logs-pvc",
                    path: tmp.sub("storage/\(name)"),
                    capacity: "5Gi")
            ]))
        let (resolution, problems) = resolve(tmp, pvCommand: "cat '\(tmp.sub("pvs.json"))'")
        #expect(problems.isEmpty)
        #expect(resolution.volumes.map(\.source) == [.api])
        #expect(resolution.volumes.first?.capacity == 5_368_709_120)
    }

    @Test func withoutACommandDirectoryNamesAndConfiguredCapacitiesAreUsed() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try makeDirectories(tmp.sub("storage/" + volumeDirectoryName(UID.logs, "observer-prod", "observer-logs-pvc")))
        try makeDirectories(tmp.sub("storage/" + volumeDirectoryName(UID.data, "observer-prod", "observer-data-pvc")))
        let (resolution, problems) = resolve(
            tmp, pvCommand: nil, capacities: ["observer-prod/observer-logs-pvc": 1_000])
        #expect(problems.isEmpty)
        #expect(resolution.volumes.map(\.source) == [.dirname, .dirname])
        let logs = resolution.volumes.first { $0.claim == "observer-prod/observer-logs-pvc" }
        #expect(logs?.capacity == 1_000)
        #expect(resolution.volumes.first { $0.claim == "observer-prod/observer-data-pvc" }?.capacity == nil)
    }

    @Test func aFailingCommandIsAWarningAndDirectoryNamesAreUsed() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try makeDirectories(tmp.sub("storage/" + volumeDirectoryName(UID.logs, "observer-prod", "observer-logs-pvc")))
        let (resolution, problems) = resolve(tmp, pvCommand: "exit 3")
        #expect(resolution.volumes.map(\.state) == [.current])
        guard case .failed(let failure) = try #require(problems.first) else {
            Issue.record("expected a failed command, got \(problems)")
            return
        }
        #expect(problems.count == 1)
        #expect("\(failure)" == "'exit 3' exited with status 3")
    }

    @Test func outputThatIsNotAPVListIsAWarning() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try makeDirectories(tmp.sub("storage/" + volumeDirectoryName(UID.logs, "observer-prod", "observer-logs-pvc")))
        for (command, reason) in [
            ("echo '{\"kind\": \"Status\"}'", #"no "items" array: not a PV list"#),
            ("printf '[[[[' ; printf '%.0s[' $(seq 300)", "nested too deeply"),
            ("true", "no JSON value (empty output)"),
        ] {
            let (resolution, problems) = resolve(tmp, pvCommand: command)
            #expect(resolution.volumes.map(\.state) == [.current], "\(command)")
            guard case .unreadable(let error) = try #require(problems.first) else {
                Issue.record("expected unreadable output for \(command), got \(problems)")
                continue
            }
            #expect(error.reason == reason)
        }
    }
}
