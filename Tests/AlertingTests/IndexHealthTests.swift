import Inventory
import TestSupport
import Testing

@testable import Alerting

/// index-error: sent when a scan fails, resolved by the next scan that succeeds.
@Suite struct IndexHealthTests {
    @Test func aFailingIndexFiresOnceResolvesOnceAndCanFireAgain() throws {
        let bench = try AlertBench()
        var health = IndexHealth(bench.inventory)
        let engine = bench.cycle.engine
        let db = bench.box.dbPath
        health.failed(bench.inventory, database: db, reason: "disk I/O error", engine: engine, now: bench.now)
        health.failed(bench.inventory, database: db, reason: "disk I/O error", engine: engine, now: bench.now + 60)
        #expect(bench.sink.entries.map(\.state) == [.firing])
        #expect(bench.sink.entries.first?.type == .indexError && bench.sink.entries.first?.record.priority == 3)
        #expect(try bench.firing(.indexError).map(\.subject) == [db])
        #expect(IndexHealth(bench.inventory).firing?.subject == db, "a restart picks it up")

        health.recovered(bench.inventory, engine: engine, now: bench.now + 120)
        health.recovered(bench.inventory, engine: engine, now: bench.now + 180)
        #expect(bench.sink.entries.map(\.state) == [.firing, .resolved])
        #expect(try bench.stored(.indexError).first?.resolvedAt == bench.now + 120)
        #expect(IndexHealth(bench.inventory).firing == nil)

        health.failed(bench.inventory, database: db, reason: "database is locked", engine: engine, now: bench.now + 240)
        #expect(bench.sink.entries.map(\.state) == [.firing, .resolved, .firing])
        #expect(try bench.firing(.indexError).first?.message.contains("database is locked") == true)
    }
}
