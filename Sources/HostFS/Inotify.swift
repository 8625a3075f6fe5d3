internal import CHostFS
internal import Glibc
import Synchronization

/// An inotify(7) instance. Watches are added by descriptor, never by a path under a volume.
///
/// It holds at most `budget` watches: `fs.inotify.max_user_watches` is shared by every process
/// of the user, and for root that is kubelet, containerd and systemd's path units too, so a
/// volume with more directories than the budget must not take the node's watches.
package final class Inotify: Sendable {
    package let fd: Int32
    /// The watch descriptors this instance holds, and how many it may.
    private let held: Mutex<(live: Set<Int32>, budget: Int)>

    /// The events a volume directory is watched for.
    package static let directoryMask: UInt32 =
        Event.create | Event.modify | Event.closeWrite | Event.delete | Event.movedFrom | Event.movedTo | Event.attrib
        | Event.deleteSelf | Event.moveSelf | Event.onlyDir | Event.excludeUnlinked

    /// inotify_init1(2).
    package init(budget: Int = .max) throws(SystemError) {
        fd = chostfs_inotify_init()
        held = Mutex((live: [], budget: max(1, budget)))
        guard fd >= 0 else { throw SystemError("inotify_init1", path: "inotify") }
    }

    /// `fs.inotify.max_user_watches` (proc(5)), or nil when it cannot be read.
    package static func systemLimit() -> Int? {
        guard case .success(let text) = readTextFile("/proc/sys/fs/inotify/max_user_watches") else { return nil }
        return Int(text.filter { !$0.isWhitespace })
    }

    /// The watches held now.
    package var watching: Int { held.withLock { $0.live.count } }

    /// A new budget; watches held beyond it are kept until they go (IN_IGNORED).
    package func setBudget(_ budget: Int) { held.withLock { $0.budget = max(1, budget) } }

    deinit { close(fd) }

    /// inotify_add_watch(2) on the directory `dir` is open on (through the /proc/self/fd magic link).
    /// Returns the watch descriptor; ENOSPC means the user's watch limit is reached, EDQUOT that
    /// this instance's budget is (the watch the kernel just made is removed again at once).
    /// Watching a directory that is already watched returns its descriptor and costs nothing.
    package func watch(_ dir: Descriptor, mask: UInt32 = Inotify.directoryMask) throws(SystemError) -> Int32 {
        let wd = chostfs_inotify_watch_fd(fd, dir.fd, mask)
        guard wd >= 0 else { throw SystemError("inotify_add_watch", path: dir.displayPath) }
        let admitted = held.withLock { held -> Bool in
            if held.live.contains(wd) { return true }
            guard held.live.count < held.budget else { return false }
            held.live.insert(wd)
            return true
        }
        guard admitted else {
            _ = inotify_rm_watch(fd, wd)
            throw SystemError("inotify_add_watch: over the agent's watch budget", path: dir.displayPath, errno: EDQUOT)
        }
        return wd
    }

    /// inotify_rm_watch(2).
    package func remove(_ wd: Int32) {
        _ = inotify_rm_watch(fd, wd)
        forget(wd)
    }

    /// The kernel dropped `wd` (IN_IGNORED: its directory is gone): it no longer counts.
    package func forget(_ wd: Int32) { _ = held.withLock { $0.live.remove(wd) } }

    /// read(2) every pending event without blocking.
    package func readEvents() -> [Event] {
        var events: [Event] = []
        let capacity = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            guard case .success(let n) = valueOrErrno({ read(fd, buffer, capacity) }), n > 0 else { return events }
            var offset = 0
            while offset + 16 <= n {
                // struct inotify_event { int wd; uint32_t mask, cookie, len; char name[]; }
                let wd = buffer.load(fromByteOffset: offset, as: Int32.self)
                let mask = buffer.load(fromByteOffset: offset + 4, as: UInt32.self)
                let length = Int(buffer.load(fromByteOffset: offset + 12, as: UInt32.self))
                let namePointer = (buffer + offset + 16).assumingMemoryBound(to: UInt8.self)
                let nameLength =
                    length == 0 ? 0 : strnlen(UnsafeRawPointer(namePointer).assumingMemoryBound(to: CChar.self), length)
                events.append(
                    Event(wd: wd, mask: mask, name: Array(UnsafeBufferPointer(start: namePointer, count: nameLength))))
                offset += 16 + length
            }
        }
    }

    package struct Event: Sendable, Equatable {
        package var wd: Int32
        package var mask: UInt32
        package var name: [UInt8]

        package static let modify: UInt32 = 0x2
        package static let attrib: UInt32 = 0x4
        package static let closeWrite: UInt32 = 0x8
        package static let movedFrom: UInt32 = 0x40
        package static let movedTo: UInt32 = 0x80
        package static let create: UInt32 = 0x100
        package static let delete: UInt32 = 0x200
        package static let deleteSelf: UInt32 = 0x400
        package static let moveSelf: UInt32 = 0x800
        package static let overflow: UInt32 = 0x4000
        package static let ignored: UInt32 = 0x8000
        package static let onlyDir: UInt32 = 0x0100_0000
        package static let excludeUnlinked: UInt32 = 0x0400_0000
        package static let isDirectory: UInt32 = 0x4000_0000

        package func has(_ flag: UInt32) -> Bool { mask & flag != 0 }
    }
}

/// A signalfd(2) for SIGTERM, SIGINT and SIGHUP; create it before any other thread starts.
package final class SignalDescriptor: Sendable {
    package let fd: Int32

    package init() throws(SystemError) {
        fd = chostfs_signalfd_term_int_hup()
        guard fd >= 0 else { throw SystemError("signalfd", path: "signals") }
    }

    deinit { close(fd) }

    /// The next pending signal number, or nil.
    package func next() -> Int32? {
        let signal = chostfs_signalfd_read(fd)
        return signal > 0 ? signal : nil
    }
}
