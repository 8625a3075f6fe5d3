import Glibc
import HostFS
import TestSupport
import Testing

@testable import PVCResolver

@Suite struct PathPatternTests {
    @Test func acceptsPatternsWithNamespaceAndPVC() throws {
        for text in [
            "{namespace}/{pvc}", "{namespace}-{pvc}", "data/{namespace}/{pvc}", "{pv}_{namespace}_{pvc}",
            "{namespace}/{pvc}/{pv}",
        ] {
            let pattern = try PathPattern(text)
            #expect(pattern.text == text)
        }
        #expect(try PathPattern("{namespace}/{pvc}").depth == 2)
        #expect(try PathPattern("data/{namespace}/{pvc}").depth == 3)
    }

    @Test func rejectsPatternsWithoutNamespaceOrPVC() {
        for text in ["{pvc}", "{namespace}", "{pv}", "data/{pv}", "static/path"] {
            let error = #expect(throws: PathPatternError.self, "\(text)") { try PathPattern(text) }
            #expect(error?.reason.contains("{namespace} and {pvc}") == true, "\(text)")
        }
    }

    @Test func rejectsAbsolutePatternsAndEmptyLevels() {
        for text in ["/{namespace}/{pvc}", "{namespace}//{pvc}", "{namespace}/{pvc}/", "", "/"] {
            #expect(throws: PathPatternError.self, "\(text)") { try PathPattern(text) }
        }
    }

    @Test func rejectsDotAndDotDotLevels() {
        for text in ["../{namespace}/{pvc}", "{namespace}/../{pvc}", "{namespace}/./{pvc}", "{namespace}/{pvc}/.."] {
            let error = #expect(throws: PathPatternError.self, "\(text)") { try PathPattern(text) }
            #expect(error?.reason.contains("'..'") == true, "\(text)")
        }
    }

    @Test func rejectsUnknownPlaceholders() {
        let error = #expect(throws: PathPatternError.self) { try PathPattern("{ns}/{pvc}") }
        #expect(error?.reason.contains("{ns}") == true)
        #expect(error?.description.contains("path_pattern \"{ns}/{pvc}\"") == true)
        #expect(throws: PathPatternError.self) { try PathPattern("{namespace}/{PVC}") }
        #expect(throws: PathPatternError.self) { try PathPattern("{{ .PVC.Namespace }}/{{ .PVC.Name }}") }
    }

    @Test func rejectsUnclosedBracesAndAdjacentPlaceholders() {
        #expect(throws: PathPatternError.self) { try PathPattern("{namespace/{pvc}") }
        #expect(throws: PathPatternError.self) { try PathPattern("{namespace}/{pvc") }
        let error = #expect(throws: PathPatternError.self) { try PathPattern("{namespace}{pvc}") }
        #expect(error?.reason.contains("literal text between") == true)
    }

    @Test func matchesOneLevelIntoTheFieldsItNames() throws {
        let pattern = try PathPattern("{pv}_{namespace}_{pvc}")
        let bound = try #require(pattern.match("pvc-\(UID.logs)_observer-prod_observer-logs-pvc", level: 0, bound: [:]))
        #expect(bound[.pv] == "pvc-\(UID.logs)")
        #expect(bound[.namespace] == "observer-prod")
        #expect(bound[.pvc] == "observer-logs-pvc")
        #expect(pattern.match("pvc-x_Observer_data", level: 0, bound: [:]) == nil)
        #expect(pattern.match("no-underscores", level: 0, bound: [:]) == nil)
    }

    @Test func literalTextMustMatchExactly() throws {
        let pattern = try PathPattern("data/ns-{namespace}/{pvc}")
        #expect(pattern.match("data", level: 0, bound: [:]) == [:])
        #expect(pattern.match("Data", level: 0, bound: [:]) == nil)
        #expect(pattern.match("ns-observer-prod", level: 1, bound: [:])?[.namespace] == "observer-prod")
        #expect(pattern.match("observer-prod", level: 1, bound: [:]) == nil)
        #expect(pattern.match("ns-", level: 1, bound: [:]) == nil)
    }

    @Test func aRepeatedPlaceholderMustBindTheSameValue() throws {
        let pattern = try PathPattern("{namespace}/{namespace}-{pvc}")
        let first = try #require(pattern.match("observer-prod", level: 0, bound: [:]))
        #expect(pattern.match("observer-prod-data", level: 1, bound: first)?[.pvc] == "data")
        #expect(pattern.match("other-data", level: 1, bound: first) == nil)
    }

    @Test func namespaceAndNameMustBeValidKubernetesNames() throws {
        let pattern = try PathPattern("{namespace}/{pvc}")
        #expect(pattern.match("observer-prod", level: 0, bound: [:]) != nil)
        for bad in ["Observer", "-ns", "ns-", "a_b", "lost+found", "a.b", String(repeating: "n", count: 64)] {
            #expect(pattern.match(bad, level: 0, bound: [:]) == nil, "\(bad)")
        }
        // A PVC name is a subdomain: dots allowed, up to 253 bytes.
        #expect(pattern.match("data.v2", level: 1, bound: [.namespace: "ns"]) != nil)
        #expect(pattern.match(String(repeating: "p", count: 254), level: 1, bound: [.namespace: "ns"]) == nil)
    }

    @Test func resolverFindsNamespaceNameVolumesWithSourcePattern() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let root = tmp.sub("storage")
        try makeDirectories(root + "/observer-prod/observer-data-pvc/assets/scalp")
        try makeDirectories(root + "/observer-prod/observer-logs-pvc")
        try makeDirectories(root + "/postgres/db-data")
        // Not volumes: invalid names, files, symlinks, lost+found.
        try makeDirectories(root + "/Bad_NS/data")
        try makeDirectories(root + "/observer-prod/Upper_Case")
        try makeDirectories(root + "/lost+found/x")
        try writeFile(root + "/observer-prod/notes.txt", "x")
        try makeDirectories(tmp.sub("elsewhere/real-pvc"))
        try makeSymlink(root + "/observer-prod/linked-pvc", to: tmp.sub("elsewhere/real-pvc"))
        try makeSymlink(root + "/linked-ns", to: tmp.sub("elsewhere"))
        // A default-named directory is still found by its name.
        let named = volumeDirectoryName(UID.db, "observer-prod", "observer-db-pvc")
        try makeDirectories(root + "/" + named)

        let result = Resolver(roots: [root], pattern: try PathPattern("{namespace}/{pvc}")).resolve()
        #expect(result.problems.isEmpty)
        let found = result.volumes.map {
            "\($0.source.rawValue) \($0.claim ?? "-") \($0.components.joined(separator: "/"))"
        }
        #expect(
            found == [
                "pattern observer-prod/observer-data-pvc observer-prod/observer-data-pvc",
                "pattern observer-prod/observer-logs-pvc observer-prod/observer-logs-pvc",
                "pattern postgres/db-data postgres/db-data",
                "dirname observer-prod/observer-db-pvc \(named)",
            ])
        let data = try #require(result.volume(endingWith: "observer-prod/observer-data-pvc"))
        #expect(data.root == root)
        #expect(data.state == .current)
        #expect(data.pv == nil)
        #expect(data.path == root + "/observer-prod/observer-data-pvc")
    }

    @Test func resolverWalksDeeperPatternsAndBindsThePV() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try makeDirectories(tmp.sub("observer-prod/observer-data-pvc/pvc-\(UID.data)"))
        try makeDirectories(tmp.sub("observer-prod/observer-data-pvc/not_a_pv"))
        let result = Resolver(roots: [tmp.path], pattern: try PathPattern("{namespace}/{pvc}/{pv}")).resolve()
        let v = try #require(result.volumes.first)
        #expect(result.volumes.count == 1)
        #expect(v.pv == "pvc-\(UID.data)")
        #expect(v.claim == "observer-prod/observer-data-pvc")
        #expect(v.components == ["observer-prod", "observer-data-pvc", "pvc-\(UID.data)"])
    }

    @Test func twoPatternDirectoriesForOneClaimRankByAge() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try makeDirectories(tmp.sub("b-old/ns/data"))
        try setModificationTime(tmp.sub("b-old/ns/data"), seconds: 1_700_000_000)
        sleepPastASecond()
        try makeDirectories(tmp.sub("a-new/ns/data"))
        let pattern = try PathPattern("{namespace}/{pvc}")
        let result = Resolver(roots: [tmp.sub("b-old"), tmp.sub("a-new")], pattern: pattern).resolve()
        #expect(result.volumes.count == 2)
        #expect(result.volumes.first { $0.root == tmp.sub("a-new") }?.state == .current)
        #expect(result.volumes.first { $0.root == tmp.sub("b-old") }?.state == .stale)
    }

    @Test
    func subdirectoriesOfALegacyVolumeAreNotAlsoPatternVolumes() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        // `pvc-<uid>` is a valid RFC 1123 label, so the pattern walk takes it for a namespace.
        try makeDirectories(tmp.sub("pvc-\(UID.legacy)/assets/scalp"))
        try makeDirectories(tmp.sub("pvc-\(UID.legacy)/backups"))
        let result = Resolver(roots: [tmp.path], pattern: try PathPattern("{namespace}/{pvc}")).resolve()
        #expect(result.volumes.map(\.path) == [tmp.sub("pvc-\(UID.legacy)")])
    }
}
