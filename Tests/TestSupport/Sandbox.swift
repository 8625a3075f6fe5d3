import Foundation
import Glibc
import HostFS
import Inventory
import PVCResolver

/// A real temporary tree with a storage root and an index file beside it (`state/inventory.db`).
/// Removed with `removeTree` when the last reference goes.
package class Sandbox {
    package let dir: String
    package var root: String { dir + "/storage" }
    package var dbPath: String { dir + "/state/inventory.db" }

    /// - Parameter rootMode: the storage root's mode (the CLI tests keep it 0700, as on a node).
    package init(label: String = "sa-inventory", rootMode: mode_t = 0o755) {
        var template = Array("/tmp/\(label)-XXXXXX".utf8CString)
        dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        chmod(dir, 0o755)
        mkdir(root, rootMode)
    }

    deinit { removeTree(dir) }

    /// Makes a default-named volume directory (`pvc-<uid>_<ns>_<pvc>`) and returns its path.
    @discardableResult
    package func volume(_ namespace: String, _ pvc: String, uid: String = "3a60a238-a7b1-45b5-9d1d-cfd3a23701da")
        -> String
    {
        let path = "\(root)/pvc-\(uid)_\(namespace)_\(pvc)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes `text` to `path`, making its parent directories.
    package func write(_ path: String, _ text: String) {
        let parent = (path as NSString).deletingLastPathComponent
        try! FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try! text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    package func append(_ path: String, _ text: String) {
        let h = FileHandle(forWritingAtPath: path)!
        h.seekToEndOfFile()
        h.write(text.data(using: .utf8)!)
        h.closeFile()
    }

    package func inventory() throws -> Inventory { try Inventory(path: dbPath, busyTimeoutMs: 200) }

    package func resolution() -> Resolution { Resolver(roots: [root]).resolve() }

    package static let tracks = ["scalp", "swing", "system", "maintenance"]

    package func options(include: [String] = ["*.jsonl", "*.log"], nowNs: Int64 = SystemClock.nowNs()) -> ScanOptions {
        ScanOptions(include: include.map { try! Glob($0) }, tracks: Self.tracks, nowNs: nowNs)
    }

    @discardableResult
    package func scan(_ inventory: Inventory) throws -> ScanReport {
        try inventory.scan(resolution(), options: options())
    }

    /// The observer layout of context.md, small: a data volume with hourly scalp files (09-15 on
    /// 2026-02-03), a swing file and a root file, and a logs volume.
    @discardableResult
    package func observer() -> (data: String, logs: String) {
        let data = volume("observer-prod", "observer-data-pvc", uid: "5d0a1c2e-0000-4000-8000-000000000001")
        let logs = volume("observer-prod", "observer-logs-pvc", uid: "3a60a238-a7b1-45b5-9d1d-cfd3a23701da")
        for h in 9...15 {
            write(data + "/assets/scalp/20260203_\(String(format: "%02d", h)).jsonl", "{\"p\":1}\n{\"p\":2}\n")
        }
        write(data + "/assets/swing/20260203.jsonl", "{}\n")
        write(data + "/observer.jsonl", "{}\n{}\n{}\n")
        write(logs + "/scalp/20260203_09.log", "line\n")
        write(logs + "/system/gap_20260203.jsonl", "{}\n")
        return (data, logs)
    }
}

/// Lines a file has, counted independently of the product code.
package func newlineCount(_ path: String) -> Int64 {
    Int64(try! Data(contentsOf: URL(fileURLWithPath: path)).filter { $0 == 0x0A }.count)
}

extension Inventory {
    package func all(includeDeleted: Bool = true) throws -> [FileRecord] {
        try files(FileFilter(includeDeleted: includeDeleted))
    }

    package func record(_ suffix: String, includeDeleted: Bool = true) throws -> FileRecord? {
        try all(includeDeleted: includeDeleted).first {
            String(decoding: $0.pathBytes, as: UTF8.self).hasSuffix(suffix)
        }
    }
}
