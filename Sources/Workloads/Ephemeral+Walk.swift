import HostFS
import PVCResolver

/// One writable layer's walk: opened from the configured snapshots directory by descriptor
/// (`<n>`, then `fs`, never following a symlink), then every directory below with `O_NOFOLLOW`.
extension EphemeralScanner {
    private struct Pending {
        let parent: Descriptor
        let name: [CChar]
        let path: [UInt8]
    }

    /// Tracked regular files of one writable layer; symlinks, devices (whiteouts), FIFOs and
    /// sockets are never opened, and directories on another device are not entered.
    package func files(in layer: WritableLayer, skipped: (_ path: String, _ reason: String) -> Void) -> [EphemeralFile]
    {
        let shown = layerPath(layer.snapshot)
        let root: Descriptor
        let device: UInt64
        do {
            let snapshots = try Descriptor.openDirectory(path: snapshotsPath)
            root = try Self.openLayer(snapshots, layer.snapshot).get()
            device = try root.stat().device
        } catch {
            if !error.isVanished { skipped(RawName.display(Array(shown.utf8)), error.message) }
            return []
        }
        let base = Array(shown.utf8)
        var found: [EphemeralFile] = []
        var stack: [Pending] = []
        visit(root, path: [], base: base, layer: layer, device: device, stack: &stack, found: &found, skipped: skipped)
        while let next = stack.popLast() {
            let dir: Descriptor
            do {
                dir = try next.parent.openDirectory(cName: next.name)
            } catch {
                if !error.isVanished { skipped(RawName.display(base + next.path), error.message) }
                continue
            }
            guard let st = try? dir.stat(), st.isDirectory, st.device == device else { continue }
            visit(
                dir, path: next.path, base: base, layer: layer, device: device, stack: &stack, found: &found,
                skipped: skipped)
        }
        return found
    }

    private func visit(
        _ dir: Descriptor, path: [UInt8], base: [UInt8], layer: WritableLayer, device: UInt64, stack: inout [Pending],
        found: inout [EphemeralFile], skipped: (_ path: String, _ reason: String) -> Void
    ) {
        do {
            try dir.forEachEntry { entry in
                let childPath = path + [0x2F] + entry.nameBytes
                var type = entry.type
                if type == .unknown { type = (try? dir.stat(named: entry.name))?.type ?? .unknown }
                switch type {
                case .directory:
                    let name = Array(UnsafeBufferPointer(start: entry.name, count: entry.nameLength + 1))
                    stack.append(Pending(parent: dir, name: name, path: childPath))
                case .regular:
                    guard include.contains(where: { $0.matches(entry.name, length: entry.nameLength) }),
                        let st = try? dir.stat(named: entry.name), st.isRegular, st.device == device
                    else { return }
                    found.append(
                        EphemeralFile(
                            pathBytes: base + childPath, containerPathBytes: childPath, size: st.size,
                            mtimeNs: st.mtimeNs, snapshot: layer.snapshot, pod: layer.pod?.name,
                            namespace: layer.pod?.namespace, container: layer.pod?.container, state: layer.state,
                            containerID: layer.containerID))
                default:
                    return
                }
            }
        } catch {
            skipped(RawName.display(base + path), "cannot list: \(error)")
        }
    }
}
