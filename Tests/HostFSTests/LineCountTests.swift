import Glibc
import HostFS
import TestSupport
import Testing

@Suite struct LineCountTests {
    /// Writes `bytes` to a fresh file, opens it through HostFS and counts from `offset`.
    func count(_ bytes: [UInt8], from offset: Int64 = 0, capacity: Int = 1 << 20) throws -> (lines: Int64, bytes: Int64)
    {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try writeFile(tmp.sub("f.jsonl"), bytes)
        let dir = try Descriptor.openDirectory(path: tmp.path)
        let counted = try lineCount(dir, "f.jsonl", from: offset, buffer: LineCountBuffer(capacity: capacity))
        return try #require(counted)
    }

    @Test func emptyFileHasNoLinesAndNoBytes() throws {
        let r = try count([])
        #expect(r.lines == 0)
        #expect(r.bytes == 0)
    }

    @Test func oneTerminatedLineCountsOne() throws {
        let r = try count(Array("{\"a\":1}\n".utf8))
        #expect(r.lines == 1)
        #expect(r.bytes == 8)
    }

    @Test func anUnterminatedLastLineIsNotCounted() throws {
        let r = try count(Array("first\nsecond".utf8))
        #expect(r.lines == 1)
        #expect(r.bytes == 12)
        #expect(try count(Array("no newline at all".utf8)).lines == 0)
    }

    @Test func emptyLinesEachCount() throws {
        #expect(try count(Array("\n\n\n".utf8)).lines == 3)
        #expect(try count(Array("a\n\nb\n".utf8)).lines == 3)
    }

    @Test func threeMebibyteFileSpanningSeveralBuffersCountsExactly() throws {
        // 3 MiB + 17 bytes with newlines at irregular places, including both sides of each
        // 1 MiB buffer boundary, so a miscount at a boundary shows.
        let size = 3 * (1 << 20) + 17
        var bytes = [UInt8](repeating: 0x61, count: size)
        var i = 0
        while i < size {
            bytes[i] = 0x0A
            i += 97 + (i % 13)
        }
        for mib in 1...3 {
            for p in [mib * (1 << 20) - 1, mib * (1 << 20)] where p < size { bytes[p] = 0x0A }
        }
        bytes[size - 1] = 0x62
        let expected = Int64(bytes.lazy.filter { $0 == 0x0A }.count)
        #expect(expected > 25_000)
        let r = try count(bytes)
        #expect(r.lines == expected)
        #expect(r.bytes == Int64(size))
    }

    @Test func countingFromAnOffsetCoversOnlyTheRest() throws {
        let text = Array("line one\nline two\nline three\npartial".utf8)
        // From the start of "line two": two newlines remain.
        let r = try count(text, from: 9)
        #expect(r.lines == 2)
        #expect(r.bytes == Int64(text.count - 9))
        // An offset right after the last newline sees only the partial line.
        let tail = try count(text, from: 29)
        #expect(tail.lines == 0)
        #expect(tail.bytes == 7)
    }

    @Test func countingFromANonZeroOffsetInALargeFileMatchesTheSuffix() throws {
        var bytes = [UInt8](repeating: 0x7A, count: (2 << 20) + 5000)
        for i in stride(from: 0, to: bytes.count, by: 251) { bytes[i] = 0x0A }
        let offset = (1 << 20) - 3
        let expected = Int64(bytes[offset...].lazy.filter { $0 == 0x0A }.count)
        let r = try count(bytes, from: Int64(offset))
        #expect(r.lines == expected)
        #expect(r.bytes == Int64(bytes.count - offset))
    }

    @Test func anOffsetAtOrPastTheEndCountsNothing() throws {
        let text = Array("a\nb\n".utf8)
        let atEnd = try count(text, from: 4)
        #expect(atEnd.lines == 0 && atEnd.bytes == 0)
        let past = try count(text, from: 100)
        #expect(past.lines == 0 && past.bytes == 0)
    }

    @Test func aTinyBufferGivesTheSameCountAsTheDefault() throws {
        var bytes: [UInt8] = []
        for i in 0..<500 { bytes += Array("{\"n\":\(i)}\n".utf8) }
        let small = try count(bytes, capacity: 7)
        let large = try count(bytes)
        #expect(small.lines == 500)
        #expect(small.lines == large.lines)
        #expect(small.bytes == Int64(bytes.count))
    }

    @Test func oneBufferIsReusableAcrossFiles() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try writeFile(tmp.sub("a"), "1\n2\n3\n")
        try writeFile(tmp.sub("b"), "x\n")
        let dir = try Descriptor.openDirectory(path: tmp.path)
        let buffer = LineCountBuffer(capacity: 4)
        #expect(try lineCount(dir, "a", from: 0, buffer: buffer)?.lines == 3)
        #expect(try lineCount(dir, "b", from: 0, buffer: buffer)?.lines == 1)
        #expect(try lineCount(dir, "a", from: 2, buffer: buffer)?.lines == 2)
    }

    @Test func countingSomethingThatCannotBeReadReturnsNil() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try makeDirectory(tmp.sub("sub"))
        try makeFIFO(tmp.sub("fifo"))
        let dir = try Descriptor.openDirectory(path: tmp.path)
        // pread on a directory is EISDIR, on a FIFO ESPIPE: no count, no crash, no hang.
        #expect(try lineCount(dir, "sub", buffer: LineCountBuffer(capacity: 16)) == nil)
        #expect(try lineCount(dir, "fifo", buffer: LineCountBuffer(capacity: 16)) == nil)
    }
    // MARK: hostile sizes (issue 12, item 9)

    @Test func aSparseTerabyteIsCountedFromItsDataExtentsOnly() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let path = tmp.sub("x.jsonl")
        try writeFile(path, Array("{}\n".utf8))
        // A terabyte of hole after the first line, then one more line at the very end.
        let fd = open(path, O_WRONLY)
        #expect(fd >= 0)
        #expect(pwrite(fd, "{}\n", 3, 1 << 40) == 3)
        close(fd)
        let dir = try Descriptor.openDirectory(path: tmp.path)
        // A budget of one buffer: if the holes were read, the count could not complete.
        let r = try #require(try lineCount(dir, "x.jsonl", budget: 64 << 10))
        #expect(r.complete)
        #expect(r.lines == 2)
        #expect(r.bytes == (1 << 40) + 3)
    }

    @Test func aFileBeyondTheBudgetIsContinuedInTheNextPass() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        // 3 MiB of data, a line every 64 bytes.
        var bytes = [UInt8](repeating: 0x61, count: 3 << 20)
        for i in stride(from: 63, to: bytes.count, by: 64) { bytes[i] = 0x0A }
        try writeFile(tmp.sub("big.log"), bytes)
        let dir = try Descriptor.openDirectory(path: tmp.path)
        var offset: Int64 = 0
        var lines: Int64 = 0
        var passes = 0
        while true {
            let r = try #require(try lineCount(dir, "big.log", from: offset, budget: 1 << 20))
            offset += r.bytes
            lines += r.lines
            passes += 1
            if r.complete { break }
            #expect(r.bytes == 1 << 20)
        }
        #expect(passes == 3)  // two full budgets, then one that reads the rest and finds the end
        #expect(lines == Int64((3 << 20) / 64))
        #expect(offset == 3 << 20)
    }
}

/// With the file's size from its fstat, a file that fits in the buffer is read in one pread,
/// without SEEK_DATA/SEEK_HOLE: the count must be the one the extents give.
@Suite struct SmallFileLineCountTests {
    @Test func aSmallSparseFileCountsAsByExtents() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let fd = open(tmp.sub("s.jsonl"), O_CREAT | O_WRONLY, 0o644)
        #expect(pwrite(fd, "a\nb\n", 4, 300_000) == 4)
        close(fd)
        let dir = try Descriptor.openDirectory(path: tmp.path)
        let file = try dir.openFile("s.jsonl")
        let size = file.stat()?.size ?? -1
        let counted = file.countNewlines(from: 0, size: size, buffer: LineCountBuffer())
        let byExtents = file.countNewlines(from: 0, buffer: LineCountBuffer())
        let fromTail = file.countNewlines(from: 300_002, size: size, buffer: LineCountBuffer())
        let quick = try #require(counted)
        let extents = try #require(byExtents)
        #expect(quick.lines == 2 && quick.bytes == 300_004 && quick.complete)
        #expect(quick.lines == extents.lines && quick.bytes == extents.bytes)
        let tail = try #require(fromTail)
        #expect(tail.lines == 1 && tail.bytes == 2)
    }

    @Test func aFileThatGrewPastTheBufferSinceItsStatIsCountedToItsEnd() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try writeFile(tmp.sub("g.jsonl"), Array(repeating: Array("x\n".utf8), count: 75_000).flatMap { $0 })
        let dir = try Descriptor.openDirectory(path: tmp.path)
        let file = try dir.openFile("g.jsonl")
        // The size the walker saw before the writer appended: 10 bytes.
        let counted = file.countNewlines(from: 0, size: 10, buffer: LineCountBuffer(capacity: 64 << 10))
        let r = try #require(counted)
        #expect(r.lines == 75_000 && r.bytes == 150_000 && r.complete)
    }
}
