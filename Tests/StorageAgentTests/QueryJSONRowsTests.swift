import Foundation
import Glibc
import HostFS
import Inventory
import TestSupport
import Testing

@testable import StorageAgent

/// `query --json` prints from compact rows (`Inventory.fileRows`, `QueryCommand.printJSON`); it
/// must print byte for byte what the records (`files`, `QueryCommand.json`) print, whatever a
/// tenant names its files.
@Suite struct QueryJSONRowsTests {
    /// Names that are not what they seem, beside ordinary ones.
    static let hostile: [[UInt8]] = [
        [0xFF, 0xFE], [0x1B, 0x5B, 0x32, 0x4A, 0x0A, 0x0D, 0x09, 0x7F], [0xC3, 0x28], [0xE2, 0x82],
        Array("\\xff".utf8), Array("q\"uote".utf8), Array("관측".utf8),
    ]

    static func tree(_ box: Sandbox) throws -> String {
        let v = box.volume("ns", "data")
        box.write(v + "/scalp/20260203_09.jsonl", "{}\n{}\n")
        box.write(v + "/scalp-x/20260203_10.jsonl", "{}\n")  // "scalp-" sorts before "scalp/" bytewise
        box.write(v + "/scalp/sub/20260203_11.log", "a\n")
        box.write(v + "/observer.jsonl", "{}\n")
        box.write(v + "/gone.jsonl", "{}\n")
        let stale = box.volume("ns", "data", uid: "00000000-0000-4000-8000-0000000000b1")
        box.write(stale + "/scalp/20260203_13.jsonl", "{}\n")
        for name in hostile {
            try writeFile(
                cPath: Array((v + "/scalp/20260203_12").utf8) + name + Array(".jsonl".utf8), Array("{}\n".utf8))
        }
        return v
    }

    @Test func theRowsPrintWhatTheRecordsPrintForHostileNames() throws {
        let box = Sandbox(label: "sa-rows")
        let v = try Self.tree(box)
        let inventory = try box.inventory()
        try box.scan(inventory)
        unlink(v + "/gone.jsonl")
        try box.scan(inventory)
        let filters = [
            FileFilter(), FileFilter(includeDeleted: true), FileFilter(track: "scalp", date: "20260203"),
            FileFilter(namespace: "ns", pvc: "data", kind: "log"), FileFilter(track: "none"),
        ]
        for filter in filters {
            let records = JSONWriter.lines(try inventory.files(filter), QueryCommand.json)
            var rows: [UInt8] = []
            QueryCommand.printJSON(try inventory.fileRows(filter)) { rows += $0 }
            #expect(rows == records, "\(filter)")
            var chunked: [UInt8] = []
            JSONWriter.stream(try inventory.files(filter), chunk: 1, to: { chunked += $0 }, QueryCommand.json)
            #expect(chunked == records)
        }
        #expect(try inventory.fileRows(FileFilter(includeDeleted: true)).rows.count == 13)
    }

    @Test func aHostileNameRoundTripsThroughTheRowsAndTheJSON() throws {
        let box = Sandbox(label: "sa-rows")
        let v = try Self.tree(box)
        let inventory = try box.inventory()
        try box.scan(inventory)
        let rows = try inventory.fileRows(FileFilter(track: "scalp"))
        let paths = rows.rows.map { r in rows.withBytes(r.path) { Array($0!) } }
        #expect(paths == paths.sorted(by: RawName.precedes))
        var json: [UInt8] = []
        QueryCommand.printJSON(rows) { json += $0 }
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [[String: Any]])
        for name in Self.hostile {
            let path = Array((v + "/scalp/20260203_12").utf8) + name + Array(".jsonl".utf8)
            #expect(paths.contains(path))
            #expect(shown.contains { $0["path"] as? String == RawName.decoded(path) })
        }
    }
}
