import HostFS
import PVCResolver

/// One line of `/proc/<pid>/mountinfo` (proc(5)), with the kernel's octal escapes undone.
///
/// Paths are bytes: a mount point may hold any byte but NUL. `root`, `mountPoint`, `source`
/// and each super option are unescaped (`\040` space, `\011` tab, `\012` newline, `\134`
/// backslash, and `\054` comma, which super options escape too).
package struct MountInfoEntry: Sendable, Equatable {
    package var mountID: Int
    package var parentID: Int
    /// `major:minor` of the file system.
    package var device: String
    /// The directory of the file system that is mounted here (a bind mount's subtree).
    package var root: [UInt8]
    /// Relative to the reading process's root directory: a container's own root is `/`.
    package var mountPoint: [UInt8]
    /// Per-mount options: `rw` or `ro`, `nosuid`, `relatime`, ...
    package var mountOptions: [String]
    /// `shared:N`, `master:N`, ... (propagation).
    package var optionalFields: [String]
    package var fsType: String
    package var source: [UInt8]
    /// Per-superblock options, split at commas, each unescaped.
    package var superOptions: [[UInt8]]

    package var readOnly: Bool { mountOptions.contains("ro") }

    /// The value of `name=value` in the super options (the first one), e.g. an overlay's `upperdir`.
    package func superOption(_ name: String) -> [UInt8]? {
        let key = Array(name.utf8) + [0x3D]
        for option in superOptions where option.starts(with: key) { return Array(option.dropFirst(key.count)) }
        return nil
    }
}

/// A parser for `/proc/<pid>/mountinfo`.
package enum MountInfo {
    /// Every well-formed line of a mountinfo file; malformed lines are skipped.
    package static func parse(_ text: [UInt8]) -> [MountInfoEntry] {
        text.split(separator: 0x0A).compactMap { parse(line: $0) }
    }

    /// Reads and parses `<procRoot>/<pid>/mountinfo`; nil when the process is gone or unreadable.
    package static func read(pid: Int32, procRoot: String = "/proc") -> [MountInfoEntry]? {
        guard case .success(let bytes) = readFile("\(procRoot)/\(pid)/mountinfo") else { return nil }
        return parse(bytes)
    }

    /// `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`.
    package static func parse<C: Collection<UInt8>>(line: C) -> MountInfoEntry? {
        let fields = line.split(separator: 0x20, omittingEmptySubsequences: false).map { Array($0) }
        guard fields.count >= 10, let separator = fields[6...].firstIndex(of: [0x2D]),
            fields.count == separator + 4
        else { return nil }
        guard let id = Int(text(fields[0])), let parent = Int(text(fields[1])) else { return nil }
        return MountInfoEntry(
            mountID: id, parentID: parent, device: text(fields[2]), root: unescape(fields[3]),
            mountPoint: unescape(fields[4]), mountOptions: fields[5].split(separator: 0x2C).map { text($0) },
            optionalFields: fields[6..<separator].map { text($0) }, fsType: text(unescape(fields[separator + 1])),
            source: unescape(fields[separator + 2]),
            superOptions: fields[separator + 3].split(separator: 0x2C).map { unescape($0) })
    }

    /// Undoes the kernel's `\NNN` (three octal digits) escapes; anything else is kept as is.
    package static func unescape<C: Collection<UInt8>>(_ field: C) -> [UInt8] {
        let b = Array(field)
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if b[i] == 0x5C, i + 3 < b.count, isOctal(b[i + 1]), isOctal(b[i + 2]), isOctal(b[i + 3]),
                b[i + 1] <= 0x33
            {
                out.append((b[i + 1] - 0x30) << 6 | (b[i + 2] - 0x30) << 3 | (b[i + 3] - 0x30))
                i += 4
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return out
    }

    private static func isOctal(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x37 }

    private static func text<C: Collection<UInt8>>(_ bytes: C) -> String { RawName.decoded(bytes) }
}
