internal import CHostFS
internal import Glibc

/// A POSIX access ACL as the kernel stores it in `system.posix_acl_access` (acl(5)): a version
/// word and entries of tag, permissions and id. Used to give one user traverse-only access to a
/// 0700 directory without changing its owner or mode bits for anyone else.
package struct PosixACL: Sendable, Equatable {
    package struct Entry: Sendable, Equatable {
        package var tag: UInt16
        package var permissions: UInt16
        package var id: UInt32
    }

    package static let userObject: UInt16 = 0x01
    package static let user: UInt16 = 0x02
    package static let groupObject: UInt16 = 0x04
    package static let group: UInt16 = 0x08
    package static let mask: UInt16 = 0x10
    package static let other: UInt16 = 0x20
    static let undefinedID: UInt32 = 0xFFFF_FFFF

    package var entries: [Entry]

    /// The minimal ACL that mode bits imply.
    package init(mode: UInt32) {
        entries = [
            Entry(tag: Self.userObject, permissions: UInt16((mode >> 6) & 7), id: Self.undefinedID),
            Entry(tag: Self.groupObject, permissions: UInt16((mode >> 3) & 7), id: Self.undefinedID),
            Entry(tag: Self.other, permissions: UInt16(mode & 7), id: Self.undefinedID),
        ]
    }

    init?(bytes: [UInt8]) {
        guard bytes.count >= 4, (bytes.count - 4) % 8 == 0,
            bytes.withUnsafeBytes({ $0.loadUnaligned(as: UInt32.self) }) == 2
        else { return nil }
        entries = stride(from: 4, to: bytes.count, by: 8).map { offset in
            bytes.withUnsafeBytes { b in
                Entry(
                    tag: b.loadUnaligned(fromByteOffset: offset, as: UInt16.self),
                    permissions: b.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self),
                    id: b.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
            }
        }
    }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt32(2).littleEndian) { out += $0 }
        for e in entries {
            withUnsafeBytes(of: e.tag.littleEndian) { out += $0 }
            withUnsafeBytes(of: e.permissions.littleEndian) { out += $0 }
            withUnsafeBytes(of: e.id.littleEndian) { out += $0 }
        }
        return out
    }

    /// The effective permissions of a named user entry (after the mask), or nil without one.
    package func effectivePermissions(user uid: UInt32) -> UInt16? {
        guard let e = entries.first(where: { $0.tag == Self.user && $0.id == uid }) else { return nil }
        let mask = entries.first { $0.tag == Self.mask }?.permissions ?? 7
        return e.permissions & mask
    }

    /// Adds (or widens) a named user entry and makes sure the mask lets it through. The mask is
    /// the union of the group class, as setfacl computes it.
    package mutating func grant(user uid: UInt32, permissions: UInt16) {
        if let i = entries.firstIndex(where: { $0.tag == Self.user && $0.id == uid }) {
            entries[i].permissions |= permissions
        } else {
            entries.append(Entry(tag: Self.user, permissions: permissions, id: uid))
        }
        let groupClass = entries.filter { [Self.user, Self.groupObject, Self.group].contains($0.tag) }
            .reduce(UInt16(0)) { $0 | $1.permissions }
        let existingMask = entries.first { $0.tag == Self.mask }?.permissions ?? 0
        entries.removeAll { $0.tag == Self.mask }
        entries.append(
            Entry(tag: Self.mask, permissions: groupClass | (existingMask & permissions), id: Self.undefinedID))
        // The kernel wants entries sorted by tag, then id.
        entries.sort { ($0.tag, $0.id) < ($1.tag, $1.id) }
    }
}

extension PosixACL {
    /// Removes the named user and group entries `remove` picks and returns them. Without named
    /// entries left the mask goes too: the ACL is then the mode bits' own, and setting it gives
    /// the group class back its `group::` bits (acl(5): the mask stands in for them while it is there).
    /// `r-x` for 5, as getfacl(1) writes permissions.
    package static func text(_ permissions: UInt16) -> String {
        (permissions & 4 != 0 ? "r" : "-") + (permissions & 2 != 0 ? "w" : "-") + (permissions & 1 != 0 ? "x" : "-")
    }

    package mutating func removeNamed(where remove: (Entry) -> Bool) -> [Entry] {
        let removed = entries.filter { [Self.user, Self.group].contains($0.tag) && remove($0) }
        guard !removed.isEmpty else { return [] }
        entries.removeAll { e in removed.contains(e) }
        let named = entries.filter { [Self.user, Self.group].contains($0.tag) }
        if named.isEmpty {
            entries.removeAll { $0.tag == Self.mask }
        } else if let i = entries.firstIndex(where: { $0.tag == Self.mask }) {
            let groupClass = entries.filter { [Self.groupObject, Self.group, Self.user].contains($0.tag) }
                .reduce(UInt16(0)) { $0 | $1.permissions }
            entries[i].permissions &= groupClass
        }
        return removed
    }
}

extension Descriptor {
    /// The access ACL, or the one the mode bits imply when the file has none.
    package func accessACL(mode: UInt32) throws(SystemError) -> PosixACL {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = chostfs_get_acl(fd, &buffer, buffer.count)
        if n < 0 {
            if errno == ENODATA { return PosixACL(mode: mode) }
            throw SystemError("getxattr", path: displayPath)
        }
        guard let acl = PosixACL(bytes: Array(buffer[0..<n])) else { return PosixACL(mode: mode) }
        return acl
    }

    /// Sets the access ACL (setxattr system.posix_acl_access).
    package func setAccessACL(_ acl: PosixACL) throws(SystemError) {
        let bytes = acl.bytes
        guard chostfs_set_acl(fd, bytes, bytes.count) == 0 else { throw SystemError("setxattr", path: displayPath) }
    }
}
