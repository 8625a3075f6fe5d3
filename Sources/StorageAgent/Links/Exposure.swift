import HostFS
import Inventory

/// How a friendly link's user reaches exactly one volume: the volume directory bind-mounted with
/// `nosuid,nodev` at a root-owned path of its own, `/run/storage-agent/exposed/<ns>_<pvc>`, by a
/// systemd mount unit that `unit-sync` writes and starts. The link points there, never into the
/// storage root, which keeps k3s's mode 0700 with no ACL entry for anyone: a user can name any
/// volume (the names are in every container's mountinfo) but reach only the one linked for them,
/// and a setuid file a container left in it does not run setuid through that path. The mount goes
/// when the link leaves the configuration (the next reload), and with the boot (it lives in /run).
struct Exposure: Equatable, Sendable {
    /// `<ns>_<pvc>`, or a shortened form with a hash when the unit's name would be too long.
    var name: String
    /// The volume directory it shows.
    var source: String

    static let root = "/run/storage-agent/exposed"
    static let unitDirectory = "/run/systemd/system"
    static let unitPrefix = SystemdEscape.path(root) + "-"

    var path: String { Self.root + "/" + name }
    var unitName: String { SystemdEscape.path(path) + ".mount" }

    init(name: String, source: String) {
        self.name = name
        self.source = source
    }

    init(namespace: String, pvc: String, source: String) {
        var name = "\(namespace)_\(pvc)"
        // A unit name holds at most 255 bytes; a long PVC name with many dashes escapes past that.
        if SystemdEscape.path(Self.root + "/" + name).utf8.count + ".mount".utf8.count > 255 {
            name = "\(namespace)_\(pvc.prefix(40))-\(Self.hash(name))"
        }
        self.init(name: name, source: source)
    }

    /// The volume a link of `claim` points at: the current one, else one whose state is unknown.
    static func volume(for claim: String, in volumes: [VolumeRecord]) -> VolumeRecord? {
        let live = volumes.filter { $0.goneAt == nil && $0.claim == claim }
        return live.first { $0.state == .current } ?? live.first { $0.state == .unknown }
    }

    /// One exposure per linked PVC that has a volume; none for a volume whose path a unit file
    /// cannot carry (a space, a quote, `%`...): its link says so.
    static func wanted(config: Config, volumes: [VolumeRecord]) -> [Exposure] {
        var out: [Exposure] = []
        for v in config.volumes where v.link != nil {
            guard let volume = volume(for: v.claim, in: volumes), WritablePaths.grantable(volume.path) else { continue }
            let e = Exposure(namespace: v.namespace, pvc: v.pvc, source: volume.path)
            if !out.contains(e) { out.append(e) }
        }
        return out.sorted { $0.name < $1.name }
    }

    /// The mount unit's text.
    func unit(configSource: String) -> String {
        """
        # Written by `storage-agent unit-sync` from \(configSource): the volume of a friendly link,
        # for its user only through this path (nosuid,nodev). Removed when no link needs it;
        # edit the configuration, not this file.
        [Unit]
        Description=storage-agent: volume \(name) for its friendly link
        Documentation=man:storage-agent(8)

        [Mount]
        What=\(source)
        Where=\(path)
        Type=none
        Options=bind,nosuid,nodev

        """
    }

    /// Whether the volume is what is mounted at `path` now (same device and inode as its
    /// directory), as root sees it.
    var isMounted: Bool {
        guard let shown = try? Descriptor.openPath(path, followSymlinks: false).stat(),
            let volume = try? Descriptor.openPath(source, followSymlinks: false).stat()
        else { return false }
        return shown.device == volume.device && shown.inode == volume.inode
    }

    // MARK: - As the unit's environment carries them

    static let environmentName = "STORAGE_AGENT_EXPOSED"

    static func environmentValue(_ list: [Exposure]) -> String {
        list.map { "\($0.name)=\($0.source)" }.joined(separator: ":")
    }

    static func parse(environment value: Substring) -> [Exposure] {
        value.split(separator: ":").compactMap { (item: Substring) -> Exposure? in
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            return Exposure(name: String(parts[0]), source: String(parts[1]))
        }
    }

    /// FNV-1a, 64 bits, as 16 hex digits: a stable short name.
    static func hash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let digits = Array("0123456789abcdef")
        return String((0..<16).map { digits[Int((h >> (60 - 4 * UInt64($0))) & 0xf)] })
    }
}

/// systemd's escaping of a path into a unit name (systemd.unit(5), `systemd-escape --path`):
/// slashes at the ends dropped, inner ones become `-`, every byte but ASCII letters, digits,
/// `:`, `_` and a non-leading `.` becomes `\xNN`.
enum SystemdEscape {
    static func path(_ path: String) -> String {
        let trimmed = path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        guard !trimmed.isEmpty else { return "-" }
        var out = ""
        for (i, b) in trimmed.utf8.enumerated() {
            let plain =
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x3A
                || b == 0x5F || (b == 0x2E && i > 0)
            if b == 0x2F {
                out += "-"
            } else if plain {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                let digits = Array("0123456789abcdef")
                out += "\\x" + String(digits[Int(b >> 4)]) + String(digits[Int(b & 0xf)])
            }
        }
        return out
    }
}
