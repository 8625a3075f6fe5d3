internal import Glibc

/// The fields of stat(2) the agent uses, as plain values.
package struct FileStat: Sendable, Equatable {
    package var device: UInt64
    package var inode: UInt64
    package var mode: UInt32
    package var links: UInt64
    package var uid: UInt32
    package var gid: UInt32
    package var size: Int64
    /// 512-byte blocks allocated, as `du` counts them.
    package var blocks: Int64
    package var mtimeNs: Int64
    package var ctimeNs: Int64

    init(_ s: stat) {
        device = UInt64(s.st_dev)
        inode = UInt64(s.st_ino)
        mode = UInt32(s.st_mode)
        links = UInt64(s.st_nlink)
        uid = s.st_uid
        gid = s.st_gid
        size = Int64(s.st_size)
        blocks = Int64(s.st_blocks)
        mtimeNs = Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec)
        ctimeNs = Int64(s.st_ctim.tv_sec) * 1_000_000_000 + Int64(s.st_ctim.tv_nsec)
    }

    /// stat(2) a trusted path, following symlinks; nil when the call fails.
    init?(followingLinksAt path: String) {
        var s = Glibc.stat()
        guard stat(path, &s) == 0 else { return nil }
        self.init(s)
    }

    package var type: FileType { FileType(mode: mode) }
    package var permissions: UInt32 { mode & 0o7777 }
    package var isDirectory: Bool { type == .directory }
    package var isRegular: Bool { type == .regular }
}

/// What kind of object a directory entry or stat result is.
package enum FileType: Sendable, Equatable {
    case regular, directory, symlink, fifo, socket, characterDevice, blockDevice, unknown

    package init(mode: UInt32) {
        switch mode & UInt32(S_IFMT) {
        case UInt32(S_IFREG): self = .regular
        case UInt32(S_IFDIR): self = .directory
        case UInt32(S_IFLNK): self = .symlink
        case UInt32(S_IFIFO): self = .fifo
        case UInt32(S_IFSOCK): self = .socket
        case UInt32(S_IFCHR): self = .characterDevice
        case UInt32(S_IFBLK): self = .blockDevice
        default: self = .unknown
        }
    }

    /// From a getdents64(2) `d_type`; `.unknown` means the caller must fstatat.
    package init(direntType: UInt8) {
        switch Int(direntType) {
        case Int(DT_REG): self = .regular
        case Int(DT_DIR): self = .directory
        case Int(DT_LNK): self = .symlink
        case Int(DT_FIFO): self = .fifo
        case Int(DT_SOCK): self = .socket
        case Int(DT_CHR): self = .characterDevice
        case Int(DT_BLK): self = .blockDevice
        default: self = .unknown
        }
    }
}
