import Testing

@testable import Workloads

@Suite struct MountInfoTests {
    @Test func parsesAnOverlayLineWithEscapesAndOptionalFields() throws {
        let line =
            #"1234 1200 0:39 / / rw,relatime shared:5 master:1 - overlay overlay rw,lowerdir=/a\054b:/c,upperdir=/var/lib/my\040root/snapshots/12/fs,workdir=/w\134x"#
        let e = try #require(MountInfo.parse(line: Array(line.utf8)))
        #expect(e.mountID == 1234 && e.parentID == 1200 && e.device == "0:39")
        #expect(e.mountPoint == Array("/".utf8) && e.root == Array("/".utf8))
        #expect(e.optionalFields == ["shared:5", "master:1"])
        #expect(e.fsType == "overlay" && !e.readOnly)
        #expect(e.superOption("upperdir") == Array("/var/lib/my root/snapshots/12/fs".utf8))
        #expect(e.superOption("lowerdir") == Array("/a,b:/c".utf8))
        #expect(e.superOption("workdir") == Array(#"/w\x"#.utf8))
        #expect(e.superOption("upper") == nil)
    }

    @Test func unescapesTabNewlineAndKeepsOddBackslashes() {
        #expect(MountInfo.unescape(Array(#"/a\011b\012c\040d"#.utf8)) == Array("/a\tb\nc d".utf8))
        #expect(MountInfo.unescape(Array(#"/a\9x\04"#.utf8)) == Array(#"/a\9x\04"#.utf8))
    }

    @Test func malformedLinesAreSkipped() {
        let text = "garbage\n36 35 98:0 /mnt1 /mnt2 ro,noatime - ext3 /dev/root rw\n1 2 3 4 5 6 7 8 9 10\n"
        let entries = MountInfo.parse(Array(text.utf8))
        #expect(entries.count == 1)
        #expect(entries.first?.readOnly == true)
        #expect(entries.first?.root == Array("/mnt1".utf8))
    }
}
