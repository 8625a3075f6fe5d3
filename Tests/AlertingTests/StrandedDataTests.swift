import Glibc
import HostFS
import Inventory
import PVCResolver
import TestSupport
import Testing

@testable import Alerting

/// volume-recreated and orphan-volume for data that is not JSONL: what a stale or orphan
/// directory strands is its allocated bytes (du), measured on the real tree.
@Suite struct StrandedDataTests {
    /// Allocated space of every live volume in the index, as the daemon measures it on a full scan.
    func measured(_ bench: AlertBench, budget: DiskUsage.Budget = .standard) throws -> [String: DiskUsage.Usage] {
        var out: [String: DiskUsage.Usage] = [:]
        for v in try bench.inventory.volumes() {
            out[v.path] = DiskUsage.measure(try Descriptor.openDirectory(path: v.path), budget: budget)
        }
        return out
    }

    func inputs(_ allocated: [String: DiskUsage.Usage]) -> AlertCycle.Inputs {
        var inputs = AlertCycle.Inputs()
        inputs.allocated = allocated
        return inputs
    }

    /// A recreated Postgres PVC: the old directory holds a 1 MiB relation file and no JSONL.
    func recreatedPostgres(_ bench: AlertBench) -> (old: String, new: String) {
        let old = bench.box.volume("observer-prod", "observer-db-pvc", uid: "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9")
        try! makeDirectories(old + "/base/16384")
        try! writeFile(old + "/base/16384/1259", noise(1 << 20))
        try! writeFile(old + "/PG_VERSION", "16\n")
        sleepPastASecond()
        let new = bench.box.volume("observer-prod", "observer-db-pvc", uid: "0b5c7f9e-1111-4222-8333-444455556666")
        return (old, new)
    }

    @Test func aRecreatedPostgresVolumeWithNoIndexedFileFiresWithItsAllocatedBytes() throws {
        let bench = try AlertBench()
        let (old, new) = recreatedPostgres(bench)
        try bench.scanAndRun()
        #expect(try bench.firing(.volumeRecreated).isEmpty, "without a measurement only indexed files count")

        let sent = try bench.run(inputs(try measured(bench)))
        #expect(sent.map(\.type) == [.volumeRecreated])
        let r = try #require(sent.first?.record)
        #expect(r.subject == "observer-prod/observer-db-pvc" && r.path == old)
        #expect(r.number("BYTES") == du(old), "BYTES is what du -s -B1 -x counts")
        #expect(try #require(r.number("BYTES")) >= 1 << 20)
        #expect(r.number("FILES") == 0)
        #expect(r.message.contains("(0 indexed files)") && r.message.contains(new))
        #expect(try bench.run(inputs(try measured(bench))).isEmpty, "no re-fire while firing")

        // The operator copies the data over and empties the old directory: resolved in its own words.
        #expect(unlink(old + "/base/16384/1259") == 0 && unlink(old + "/PG_VERSION") == 0)
        let resolved = try bench.run(inputs(try measured(bench)))
        #expect(resolved.map(\.state) == [.resolved])
        #expect(
            resolved.first?.record.message
                == "PVC observer-prod/observer-db-pvc has no data stranded in an older directory any more")
    }

    @Test func anOldDirectoryOfEmptyDirectoriesAndEmptyFilesStrandsNothing() throws {
        let bench = try AlertBench()
        let old = bench.box.volume("ns", "data", uid: "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9")
        try makeDirectories(old + "/a/b/c")
        try writeFile(old + "/a/empty.bin", [])
        sleepPastASecond()
        bench.box.volume("ns", "data", uid: "0b5c7f9e-1111-4222-8333-444455556666")
        try bench.scanAndRun()
        let allocated = try measured(bench)
        #expect(allocated[old].map { $0.bytes > 0 && !$0.holdsData } == true)
        #expect(try bench.run(inputs(allocated)).isEmpty)
    }

    @Test func anOrphanHoldingOnlySkillFilesFiresWithItsAllocatedBytes() throws {
        let bench = try AlertBench()
        let orphan = bench.box.volume("agents", "claude-skills-storage", uid: "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9")
        for skill in ["pdf", "xlsx", "docx"] {
            bench.box.write(orphan + "/skills/\(skill)/SKILL.md", String(repeating: "# \(skill)\n", count: 2000))
        }
        bench.persistentVolumes = []
        try bench.scanAndRun()
        let sent = try bench.run(inputs(try measured(bench)))
        #expect(sent.map(\.type) == [.orphanVolume])
        let r = try #require(sent.first?.record)
        #expect(r.subject == orphan && r.number("BYTES") == du(orphan) && r.number("FILES") == 0)
        #expect(r.message.contains("(0 indexed files)"))
    }

    @Test func aMeasurementStoppedByItsBudgetSaysAtLeast() throws {
        let bench = try AlertBench()
        let (old, _) = recreatedPostgres(bench)
        try bench.scanAndRun()
        let allocated = try measured(bench, budget: DiskUsage.Budget(maxDepth: 1, maxEntries: 100))
        #expect(allocated[old]?.limit == .depth)
        let sent = try bench.run(inputs(allocated))
        #expect(sent.first?.record.message.contains("at least") == true)
        #expect(try #require(sent.first?.number("BYTES")) < du(old))
    }
}
