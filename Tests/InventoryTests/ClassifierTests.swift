import Inventory
import Testing

@Suite struct ClassifierTests {
    let classifier = Classifier(tracks: ["scalp", "swing", "system", "maintenance"])

    func classify(_ relative: String) -> Classifier.Result {
        let parts = relative.split(separator: "/").map(String.init)
        var track: String?
        for dir in parts.dropLast() {
            track = Array(dir.utf8).withUnsafeBytes { classifier.directoryTrack($0, inherited: track) }
        }
        return classifier.classify(parts.last!, directoryTrack: track)
    }

    @Test func designExamplesClassifyExactly() {
        #expect(classify("scalp/20260203_09.jsonl") == .init(kind: "jsonl", track: "scalp", date: "20260203", hour: 9))
        #expect(classify("scalp_20260203.jsonl") == .init(kind: "jsonl", track: "scalp", date: "20260203", hour: nil))
        #expect(
            classify("system/gap_20260203.jsonl") == .init(kind: "jsonl", track: "system", date: "20260203", hour: nil))
        #expect(classify("observer.jsonl") == .init(kind: "jsonl", track: nil, date: nil, hour: nil))
    }

    @Test func nearestTrackDirectoryWins() {
        #expect(classify("assets/swing/scalp/20260203_10.log").track == "scalp")
        #expect(classify("scalp/archive/20260203.log").track == "scalp")
        #expect(classify("assets/swing_20260203.jsonl").track == "swing")
        #expect(classify("assets/other_20260203.jsonl").track == nil)
    }

    @Test func dateIsFirstValidEightDigitRun() {
        #expect(classify("x_123456789_20260203.log").date == "20260203")  // 9 digits is not a date
        #expect(classify("20261301_20260203.log").date == "20260203")  // month 13 is not a date
        #expect(classify("19990101.log").date == nil)
        #expect(classify("21000101.log").date == nil)
        #expect(classify("20240229.log").date == "20240229")
        #expect(classify("20230229.log").date == nil)
    }

    @Test func hourOnlyRightAfterDateUnderscore() {
        #expect(classify("20260203_23.jsonl").hour == 23)
        #expect(classify("20260203_24.jsonl").hour == nil)
        #expect(classify("20260203-09.jsonl").hour == nil)
        #expect(classify("20260203_9.jsonl").hour == nil)
        #expect(classify("20260203_00.jsonl").hour == 0)
    }

    @Test func kindIsTheExtension() {
        #expect(classify("a/b.log").kind == "log")
        #expect(classify("a.b.jsonl").kind == "jsonl")
    }
}
