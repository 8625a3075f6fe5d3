import Foundation
import Glibc
import HostFS
import Inventory
import PVCResolver

/// A real temporary directory tree with a storage root and an index file beside it.
final class Sandbox {
    let dir: String
    var root: String { dir + "/storage" }
    var dbPath: String { dir + "/state/inventory.db" }

    init() {
        var template = Array("/tmp/sa-inventory-XXXXXX".utf8CString)
        dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        mkdir(root, 0o755)
    }

    deinit { removeTree(dir) }

    /// Makes a default-named volume directory and returns its path.
    @discardableResult
    func volume(_ namespace: String, _ pvc: String, uid: String = "3a60a238-a7b1-45b5-9d1d-cfd3a23701da") -> String {
        let path = "\(root)/pvc-\(uid)_\(namespace)_\(pvc)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func write(_ path: String, _ text: String) {
        let parent = (path as NSString).deletingLastPathComponent
        try! FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try! text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    func append(_ path: String, _ text: String) {
        let h = FileHandle(forWritingAtPath: path)!
        h.seekToEndOfFile()
        h.write(text.data(using: .utf8)!)
        h.closeFile()
    }

    func inventory() throws -> Inventory { try Inventory(path: dbPath, busyTimeoutMs: 200) }

    func resolution() -> Resolution { Resolver(roots: [root]).resolve() }

    static let tracks = ["scalp", "swing", "system", "maintenance"]

    func options(include: [String] = ["*.jsonl", "*.log"], nowNs: Int64 = SystemClock.nowNs()) -> ScanOptions {
        ScanOptions(include: include.map { try! Glob($0) }, tracks: Self.tracks, nowNs: nowNs)
    }

    @discardableResult
    func scan(_ inventory: Inventory) throws -> ScanReport {
        try inventory.scan(resolution(), options: options())
    }
}

/// Removes a tree with `rm -rf` (which never follows symlinks), after unmounting anything inside.
func removeTree(_ path: String) {
    run(
        "/bin/sh", "-c",
        "grep -o \" \(path)[^ ]*\" /proc/self/mounts | sort -r | xargs -r -n1 umount -l; chmod -R u+rwx '\(path)' 2>/dev/null; rm -rf '\(path)'"
    )
}

@discardableResult
func run(_ arguments: String...) -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: arguments[0])
    p.arguments = Array(arguments.dropFirst())
    try! p.run()
    p.waitUntilExit()
    return p.terminationStatus
}

/// Lines a file has, counted independently of the product code.
func newlineCount(_ path: String) -> Int64 {
    Int64(try! Data(contentsOf: URL(fileURLWithPath: path)).filter { $0 == 0x0A }.count)
}

extension Inventory {
    func all(includeDeleted: Bool = true) throws -> [FileRecord] {
        try files(FileFilter(includeDeleted: includeDeleted))
    }

    func record(_ suffix: String, includeDeleted: Bool = true) throws -> FileRecord? {
        try all(includeDeleted: includeDeleted).first {
            String(decoding: $0.pathBytes, as: UTF8.self).hasSuffix(suffix)
        }
    }
}
