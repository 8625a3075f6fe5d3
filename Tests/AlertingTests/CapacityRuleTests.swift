import Inventory
import PVCResolver
import TestSupport
import Testing

@testable import Alerting

/// capacity: used bytes against the PV's capacity, and free space on the volume's file system.
@Suite struct CapacityRuleTests {
    /// A bench with one volume whose PV says it holds 1000 bytes.
    static func bench() throws -> (AlertBench, String) {
        let bench = try AlertBench()
        let data = bench.box.volume("ns", "data")
        bench.persistentVolumes = [
            PersistentVolume(
                name: "pvc-3a60a238", path: data, claimNamespace: "ns", claimName: "data", capacity: 1000,
                createdNs: nil, node: nil)
        ]
        try bench.scanAndRun()
        return (bench, data)
    }

    static func usage(_ path: String, used: Int64, free: Double = 50) -> AlertCycle.Inputs {
        var inputs = AlertCycle.Inputs()
        inputs.usage = ([path: used], [path: free])
        return inputs
    }

    @Test func overNinetyPercentWarnsAndResolvesBelow() throws {
        let (bench, data) = try Self.bench()
        #expect(try bench.run(Self.usage(data, used: 900)).isEmpty, "90% is not over 90%")
        let sent = try bench.run(Self.usage(data, used: 910))
        #expect(sent.map(\.type) == [.capacity])
        let r = try #require(sent.first?.record)
        #expect(r.subject == data && r.priority == 4 && r.pvc == "data")
        #expect(r.number("BYTES") == 910 && r.number("CAPACITY_BYTES") == 1000)
        #expect(r.message.contains("(91%)"))

        #expect(try bench.run().isEmpty, "no usage measured: nothing decided")
        #expect(try bench.run(Self.usage(data, used: 500)).map(\.state) == [.resolved])
        #expect(try bench.firing(.capacity).isEmpty)
    }

    @Test func overTheCapacityIsAnError() throws {
        let (bench, data) = try Self.bench()
        let sent = try bench.run(Self.usage(data, used: 1001))
        #expect(sent.map(\.record.priority) == [3])
        #expect(try bench.firing(.capacity).first?.priority == 3)
    }

    @Test func lessThanTenPercentFreeWarnsForTheFileSystem() throws {
        let (bench, data) = try Self.bench()
        #expect(try bench.run(Self.usage(data, used: 0, free: 10)).isEmpty)
        let sent = try bench.run(Self.usage(data, used: 0, free: 9.5))
        #expect(sent.map(\.record.subject) == [data + "#filesystem"])
        #expect(sent.first?.record.priority == 4 && sent.first?.record.message.contains("9% free") == true)
        #expect(try bench.run(Self.usage(data, used: 0, free: 30)).map(\.state) == [.resolved])
    }
}
