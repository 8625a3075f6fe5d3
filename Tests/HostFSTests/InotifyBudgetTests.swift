import Foundation
import Glibc
import HostFS
import TestSupport
import Testing

/// The agent shares `fs.inotify.max_user_watches` with every root process of the node: it never
/// holds more watches than its budget, whatever a volume holds.
@Suite struct InotifyBudgetTests {
    /// Watches the kernel holds for this instance (`inotify wd:` lines of /proc/self/fdinfo).
    func kernelWatches(_ inotify: Inotify) throws -> Int {
        let info = try String(contentsOfFile: "/proc/self/fdinfo/\(inotify.fd)", encoding: .utf8)
        return info.split(separator: "\n").filter { $0.hasPrefix("inotify wd:") }.count
    }

    @Test func noMoreWatchesThanTheBudgetAreEverHeld() throws {
        let t = try TempDir("watch")
        defer { t.remove() }
        for i in 0..<6 { mkdir(t.sub("d\(i)"), 0o755) }
        let inotify = try Inotify(budget: 3)
        var wds: [Int32] = []
        for i in 0..<3 { wds.append(try inotify.watch(try Descriptor.openDirectory(path: t.sub("d\(i)")))) }
        for i in 3..<6 {
            #expect(throws: SystemError.self) {
                _ = try inotify.watch(try Descriptor.openDirectory(path: t.sub("d\(i)")))
            }
        }
        do {
            _ = try inotify.watch(try Descriptor.openDirectory(path: t.sub("d5")))
        } catch {
            #expect(error.code == .quota)
        }
        #expect(inotify.watching == 3)
        #expect(try kernelWatches(inotify) == 3)
        // A directory already watched costs nothing more.
        #expect(try inotify.watch(try Descriptor.openDirectory(path: t.sub("d0"))) == wds[0])
        // One given back makes room for one more.
        inotify.remove(wds[1])
        _ = try inotify.watch(try Descriptor.openDirectory(path: t.sub("d4")))
        #expect(try kernelWatches(inotify) == 3)
    }

    @Test func theSystemLimitIsReadFromProc() throws {
        let limit = try #require(Inotify.systemLimit())
        let text = try String(contentsOfFile: "/proc/sys/fs/inotify/max_user_watches", encoding: .utf8)
        #expect(limit == Int(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}
