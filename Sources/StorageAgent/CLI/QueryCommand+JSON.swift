import HostFS
import Inventory

extension QueryCommand {
    /// `--json` from the compact rows: the same keys, values and bytes as `json(_:_:)` writes
    /// for the `FileRecord` of each row, streamed to standard output (or `sink`).
    static func printJSON(_ files: FileRows, to sink: ([UInt8]) -> Void = { Output.out($0) }) {
        JSONWriter.stream(files.rows, to: sink) { w, r in
            let volume = r.volume >= 0 ? files.volumes[Int(r.volume)] : nil
            w.object { w in
                files.withBytes(r.path) { w.field("path", rawName: $0 ?? UnsafeBufferPointer(start: nil, count: 0)) }
                w.field("namespace", volume?.namespace)
                w.field("pvc", volume?.pvc)
                w.field("pv", volume?.pv)
                files.withBytes(r.track) { w.field("track", text: $0) }
                files.withBytes(r.date) { w.field("date", text: $0) }
                w.field("hour", r.hour >= 0 ? Int(r.hour) : nil)
                files.withBytes(r.kind) { w.field("kind", text: $0 ?? UnsafeBufferPointer(start: nil, count: 0)) }
                w.field("size", r.size)
                w.field("lines", r.lines)
                w.field("mtime", rfc3339: r.mtimeNs)
                w.field("uid", r.uid)
                w.field("gid", r.gid)
                w.field("deleted", r.deleted)
                w.field("volume_state", (volume?.state ?? .unknown).rawValue)
            }
        }
    }
}
