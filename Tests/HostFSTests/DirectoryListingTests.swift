import Glibc
import HostFS
import TestSupport
import Testing

@Suite struct DirectoryListingTests {
    @Test func listsEveryEntryOfALargeDirectoryAcrossSeveralReads() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        // 1500 entries with 60-byte names need ~120 KiB of dirents: more than one 64 KiB getdents64 call.
        var expected: Set<String> = []
        for i in 0..<1500 {
            let name = "entry-\(String(repeating: "x", count: 48))-\(i)"
            expected.insert(name)
            if i % 3 == 0 { try makeDirectory(tmp.sub(name)) } else { try writeFile(tmp.sub(name)) }
        }
        let dir = try Descriptor.openDirectory(path: tmp.path)
        let names = try listing(dir).map { String(decoding: $0.name, as: UTF8.self) }
        #expect(names.count == 1500)
        #expect(Set(names) == expected)
        #expect(!names.contains("."))
        #expect(!names.contains(".."))
    }

    @Test func neverReportsDotOrDotDotButKeepsNamesThatStartWithDots() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        for name in [".hidden", "..twodots", "...", ".a"] { try writeFile(tmp.sub(name)) }
        let dir = try Descriptor.openDirectory(path: tmp.path)
        let names = Set(try listing(dir).map { String(decoding: $0.name, as: UTF8.self) })
        #expect(names == [".hidden", "..twodots", "...", ".a"])
    }

    @Test func emptyDirectoryCallsTheBodyNever() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let dir = try Descriptor.openDirectory(path: tmp.path)
        var calls = 0
        try dir.forEachEntry { _ in calls += 1 }
        #expect(calls == 0)
    }

    @Test func aReusedDescriptorListsFromTheBeginningAgain() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        for i in 0..<50 { try writeFile(tmp.sub("f\(i).jsonl")) }
        let dir = try Descriptor.openDirectory(path: tmp.path)
        let first = try listing(dir).map(\.name)
        let second = try listing(dir).map(\.name)
        #expect(first.count == 50)
        #expect(second == first)
    }

    @Test func reportsEachEntryTypeAsWhatItIs() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try writeFile(tmp.sub("regular.jsonl"), "{}\n")
        try makeDirectory(tmp.sub("directory"))
        try makeSymlink(tmp.sub("symlink"), to: "directory")
        try makeSymlink(tmp.sub("dangling"), to: "/nonexistent/target")
        try makeFIFO(tmp.sub("fifo"))
        try makeSocket(tmp.sub("socket"))
        let dir = try Descriptor.openDirectory(path: tmp.path)
        var types: [String: FileType] = [:]
        for entry in try listing(dir) { types[String(decoding: entry.name, as: UTF8.self)] = entry.type }
        #expect(
            types == [
                "regular.jsonl": .regular, "directory": .directory, "symlink": .symlink, "dangling": .symlink,
                "fifo": .fifo, "socket": .socket,
            ])
    }

    @Test func entryInodeIsTheInodeFstatatReports() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try writeFile(tmp.sub("a.log"), "x")
        try makeDirectory(tmp.sub("sub"))
        let dir = try Descriptor.openDirectory(path: tmp.path)
        var inodes: [String: UInt64] = [:]
        try dir.forEachEntry { inodes[String(decoding: $0.nameBytes, as: UTF8.self)] = $0.inode }
        #expect(inodes.count == 2)
        for (name, inode) in inodes {
            #expect(try dir.stat(name).inode == inode)
        }
    }

    @Test func namesAreReportedByteForByteWithTheirLength() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let raw: [[UInt8]] = [
            Array("caf".utf8) + [0xE9] + Array(".jsonl".utf8),  // Latin-1, not UTF-8
            Array("line\nbreak.log".utf8),
            Array("관측_20260203.jsonl".utf8),
            [0xFF, 0xFE, 0x01],
        ]
        for name in raw { try writeFile(cPath: Array(tmp.path.utf8) + [0x2F] + name, []) }
        let dir = try Descriptor.openDirectory(path: tmp.path)
        var seen: [[UInt8]] = []
        try dir.forEachEntry { entry in
            #expect(entry.nameLength == strlen(entry.name))
            seen.append(Array(entry.nameBytes))
        }
        #expect(Set(seen) == Set(raw))
        #expect(seen.count == raw.count)
    }

    @Test func anErrorThrownByTheBodyStopsTheWalkAndPropagates() throws {
        struct Stop: Error {}
        let tmp = try TempDir()
        defer { tmp.remove() }
        for i in 0..<10 { try writeFile(tmp.sub("f\(i)")) }
        let dir = try Descriptor.openDirectory(path: tmp.path)
        var calls = 0
        #expect(throws: Stop.self) {
            try dir.forEachEntry { _ in
                calls += 1
                if calls == 3 { throw Stop() }
            }
        }
        #expect(calls == 3)
    }

    @Test func listingADescriptorThatIsNotADirectoryThrowsENOTDIR() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try writeFile(tmp.sub("plain.log"), "data\n")
        let file = try Descriptor.openPath(tmp.sub("plain.log"), followSymlinks: false)
        let error = #expect(throws: SystemError.self) { try file.forEachEntry { _ in } }
        #expect(error?.errno == ENOTDIR || error?.errno == EBADF)
        #expect(error?.call == "getdents64")
    }
}
