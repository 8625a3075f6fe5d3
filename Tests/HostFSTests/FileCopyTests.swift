import Foundation
import Glibc
import HostFS
import TestSupport
import Testing

/// SHA-256 against FIPS 180-4's examples, and the copy primitive on real files.
@Suite struct FileCopyTests {
    @Test(arguments: [false, true]) func sha256MatchesTheFIPSExamples(portable: Bool) {
        if !portable { #expect(SHA256.hasAcceleration, "this machine's CPU has the SHA extensions") }
        #expect(
            SHA256.hex(SHA256.hash([UInt8](), portable: portable))
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256.hex(SHA256.hash(Array("abc".utf8), portable: portable))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hex(
                SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8), portable: portable))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // A million "a", fed in uneven pieces across block boundaries.
        var h = SHA256(portable: portable)
        let a = [UInt8](repeating: 0x61, count: 1_000_000)
        a.withUnsafeBytes { all in
            var at = 0
            var piece = 1
            while at < all.count {
                let n = min(piece, all.count - at)
                h.update(UnsafeRawBufferPointer(rebasing: all[at..<(at + n)]))
                at += n
                piece = piece * 3 % 1000 + 1
            }
        }
        #expect(SHA256.hex(h.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func theAcceleratedAndThePortableCompressionAgreeOnEveryLength() {
        var bytes = [UInt8]()
        for i in 0..<5000 { bytes.append(UInt8(truncatingIfNeeded: i &* 131 &+ i >> 3)) }
        for n in [0, 1, 55, 56, 63, 64, 65, 127, 128, 129, 1000, 4096, 5000] {
            #expect(SHA256.hash(bytes[0..<n]) == SHA256.hash(bytes[0..<n], portable: true), "\(n) bytes")
        }
    }

    @Test func zerosFedAsAHoleHashLikeWrittenZeros() {
        var holes = SHA256()
        holes.updateZeros(200_003)
        #expect(holes.finalize() == SHA256.hash([UInt8](repeating: 0, count: 200_003)))
    }

    /// sha256sum(1), an implementation that is not ours.
    func sha256sum(_ path: String) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [path]
        let out = Pipe()
        p.standardOutput = out
        try! p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(String(decoding: data, as: UTF8.self).prefix(64))
    }

    func open(_ dir: Descriptor, _ name: String) throws -> OpenFile {
        try dir.openFileQuietly(Array(name.utf8CString))
    }

    @Test func aCopyIsByteIdenticalOwnedTimedAndItsDigestIsSha256sum() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try makeDirectory(tmp.sub("from"))
        try makeDirectory(tmp.sub("to"))
        var bytes = [UInt8]()
        for i in 0..<3_000_000 { bytes.append(UInt8(truncatingIfNeeded: i &* 7 &+ i >> 9)) }
        try writeFile(tmp.sub("from/data.jsonl"), bytes)
        try setModificationTime(tmp.sub("from/data.jsonl"), seconds: 1_770_000_000)
        let from = try Descriptor.openDirectory(path: tmp.sub("from"))
        let to = try Descriptor.openDirectory(path: tmp.sub("to"))
        let source = try open(from, "data.jsonl")
        let digest = try to.copyFile(
            from: source, size: Int64(bytes.count), to: Array("copy.jsonl".utf8CString),
            target: CopyTarget(owner: Owner(uid: 999, gid: 998), mode: 0o4640, mtimeNs: 1_770_000_000_123_456_789),
            buffer: LineCountBuffer(), sourcePath: tmp.sub("from/data.jsonl"))
        #expect(digest.hex == sha256sum(tmp.sub("from/data.jsonl")))
        #expect(!digest.sparse)
        #expect(try Data(contentsOf: URL(fileURLWithPath: tmp.sub("to/copy.jsonl"))) == Data(bytes))
        var st = stat()
        #expect(stat(tmp.sub("to/copy.jsonl"), &st) == 0)
        #expect(st.st_uid == 999 && st.st_gid == 998)
        #expect(st.st_mode & 0o7777 == 0o640)  // setuid is never given
        #expect(st.st_mtim.tv_sec == 1_770_000_000 && st.st_mtim.tv_nsec == 123_456_789)
        // Nothing but the copy: no temporary was left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.sub("to")) == ["copy.jsonl"])
    }

    @Test func aCopyNeverReplacesWhatIsThereAndLeavesNothingBehind() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        try writeFile(tmp.sub("new.jsonl"), "new\n")
        try writeFile(tmp.sub("taken.jsonl"), "keep me\n")
        try makeSymlink(tmp.sub("link.jsonl"), to: tmp.sub("elsewhere.jsonl"))
        let dir = try Descriptor.openDirectory(path: tmp.path)
        let source = try open(dir, "new.jsonl")
        for name in ["taken.jsonl", "link.jsonl"] {
            let error = #expect(throws: SystemError.self) {
                try dir.copyFile(
                    from: source, size: 4, to: Array(name.utf8CString),
                    target: CopyTarget(owner: nil, mode: 0o644, mtimeNs: 0), buffer: LineCountBuffer(),
                    sourcePath: tmp.sub("new.jsonl"))
            }
            #expect(error?.code == .exists)
        }
        #expect(try String(contentsOfFile: tmp.sub("taken.jsonl"), encoding: .utf8) == "keep me\n")
        #expect(!FileManager.default.fileExists(atPath: tmp.sub("elsewhere.jsonl")))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: tmp.path).sorted() == [
                "link.jsonl", "new.jsonl", "taken.jsonl",
            ])
    }

    /// A terabyte hole is neither read, hashed as zeros, nor written: the copy is as sparse.
    @Test func aSparseTerabyteCopiesAsSparse() throws {
        let tmp = try TempDir()
        defer { tmp.remove() }
        let size: Int64 = 1 << 40
        let fd = Glibc.open(tmp.sub("hole.bin"), O_CREAT | O_WRONLY, 0o644)
        #expect(pwrite(fd, "head", 4, 0) == 4)
        #expect(pwrite(fd, "tail", 4, off_t(size - 4)) == 4)
        close(fd)
        try makeDirectory(tmp.sub("to"))
        let dir = try Descriptor.openDirectory(path: tmp.path)
        let to = try Descriptor.openDirectory(path: tmp.sub("to"))
        let source = try open(dir, "hole.bin")
        let digest = try to.copyFile(
            from: source, size: size, to: Array("hole.bin".utf8CString),
            target: CopyTarget(owner: nil, mode: 0o644, mtimeNs: 0), buffer: LineCountBuffer(),
            sourcePath: tmp.sub("hole.bin"))
        #expect(digest.sparse)
        var st = stat()
        #expect(stat(tmp.sub("to/hole.bin"), &st) == 0)
        #expect(Int64(st.st_size) == size)
        #expect(st.st_blocks * 512 < 1 << 20)
        let copy = Glibc.open(tmp.sub("to/hole.bin"), O_RDONLY)
        defer { close(copy) }
        var tail = [UInt8](repeating: 0, count: 4)
        #expect(pread(copy, &tail, 4, off_t(size - 4)) == 4)
        #expect(tail == Array("tail".utf8))
        // The copy's digest is the source's: a later run sees it as identical.
        let again = try open(to, "hole.bin")
        #expect(try again.contentDigest(buffer: LineCountBuffer(), path: "copy") == digest)
    }
}
