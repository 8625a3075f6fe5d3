import Alerting
import HostFS
import Inventory

extension QueryCommand {
    static func json(_ w: inout JSONWriter, _ f: FileRecord) {
        w.object { w in
            w.field("path", rawName: f.pathBytes)
            w.field("namespace", f.namespace)
            w.field("pvc", f.pvc)
            w.field("pv", f.pv)
            w.field("track", f.track)
            w.field("date", f.date)
            w.field("hour", f.hour)
            w.field("kind", f.kind)
            w.field("size", f.size)
            w.field("lines", f.lines)
            w.field("mtime", rfc3339: f.mtimeNs)
            w.field("uid", f.uid)
            w.field("gid", f.gid)
            w.field("deleted", f.deletedAt != nil)
            w.field("volume_state", f.volumeState.rawValue)
        }
    }

    /// `--sort`: `path` keeps the index's bytewise host-path order; `time` groups rows by PVC
    /// (its volume directory when it has no claim) and track (rows without one last), oldest
    /// first within; `size` puts the largest first. Ties keep path order.
    static func sort(_ files: inout [FileRecord], by order: QuerySort) {
        switch order {
        case .path: return
        case .size: files.sort { $0.size != $1.size ? $0.size > $1.size : RawName.precedes($0.pathBytes, $1.pathBytes) }
        case .time:
            func group(_ f: FileRecord) -> (String, Int, String) {
                (f.namespace.map { "\($0)/\(f.pvc ?? "")" } ?? f.volumePath, f.track == nil ? 1 : 0, f.track ?? "")
            }
            files.sort { a, b in
                let (ga, gb) = (group(a), group(b))
                if ga != gb { return ga < gb }
                if a.mtimeNs != b.mtimeNs { return a.mtimeNs < b.mtimeNs }
                return RawName.precedes(a.pathBytes, b.pathBytes)
            }
        }
    }

    /// One row per file, then a totals line. PATH is the path inside the volume; `wide` adds the
    /// PV and the host path. MODIFIED is in each row's zone (`RowZones`): named in the header when
    /// every row shares it, else in a ZONE column. A STATE column (the volume's state) appears when
    /// some row's volume is not current, so a stale directory's files never pass as the live PVC's.
    static func table(
        _ files: [FileRecord], wide: Bool = false, zones: RowZones, headers: Bool = true, width: Int? = nil
    ) -> String {
        let showState = files.contains { $0.volumeState != .current }
        let modified = zones.header("MODIFIED", tracks: files.map(\.track))
        var header = [modified ?? "MODIFIED"] + (modified == nil ? ["ZONE"] : []) + ["SIZE", "LINES", "TRACK", "PVC"]
        header += (wide ? ["PV"] : []) + (showState ? ["STATE"] : []) + ["PATH"] + (wide ? ["HOST-PATH"] : [])
        let first = modified == nil ? 2 : 1
        var table = Table(header, rightAligned: [first, first + 1])
        table.shrinkable = Set(header.indices.filter { ["PVC", "PV", "PATH", "HOST-PATH"].contains(header[$0]) })
        table.maxWidth = width
        table.showHeader = headers
        var bytes: Int64 = 0
        var lines: Int64 = 0
        for f in files {
            bytes += f.size
            lines += f.lines
            let zone = zones.zone(track: f.track)
            let deleted = f.deletedAt != nil ? "  (deleted)" : ""
            let pvc = f.namespace.map { "\($0)/\(f.pvc ?? "-")" } ?? (f.pv ?? "-")
            var row = [zone.time(ns: f.mtimeNs)] + (modified == nil ? [zone.name] : [])
            row += [Format.size(f.size), Format.count(f.lines), f.track ?? "-", shown(pvc)]
            row += (wide ? [shown(f.pv ?? "-")] : []) + (showState ? [f.volumeState.rawValue] : [])
            row += [RawName.display(f.relativePath) + deleted] + (wide ? [RawName.display(f.pathBytes)] : [])
            table.append(row)
        }
        let totals =
            "\(Format.count(Int64(files.count))) file\(files.count == 1 ? "" : "s"), \(Format.size(bytes)), \(Format.count(lines)) lines\n"
        return table.render() + (headers ? totals : "")
    }
}
