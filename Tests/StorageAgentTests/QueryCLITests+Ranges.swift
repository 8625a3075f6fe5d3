import Foundation
import TestSupport
import Testing

/// `--since`, `--until`, `--date A..B`, `--gaps` over a range, and typos that are usage errors.
@Suite struct QueryRangeTests {
    func paths(_ r: CLIResult) -> [String] {
        r.json.compactMap { ($0["path"] as? String).map { String($0.split(separator: "/").last ?? "") } }
    }

    @Test func sinceUntilAndARangeFilterByTheFilesDateInclusive() {
        let node = SeoulNode()
        #expect(
            paths(node.agent("query", "--since", "20260204", "--json")) == ["20260204_09.jsonl", "gap_20260205.jsonl"])
        #expect(
            paths(node.agent("query", "--until", "20260203", "--json"))
                == ["20260203_09.jsonl", "20260203_10.jsonl", "20260203_12.jsonl", "20260203.jsonl"])
        let range = node.agent("query", "--date", "20260203..20260204", "--track", "scalp", "--json")
        #expect(range.status == 0, "\(range.stderr)")
        #expect(paths(range) == ["20260203_09.jsonl", "20260203_10.jsonl", "20260203_12.jsonl", "20260204_09.jsonl"])
        #expect(
            node.agent("query", "--since", "20260203", "--until", "20260204", "--track", "scalp", "--json").stdout
                == range.stdout)
        #expect(paths(node.agent("query", "--date", "20260205..20260205", "--json")) == ["gap_20260205.jsonl"])
        let empty = node.agent("query", "--since", "20260206")
        #expect(empty.status == 1 && empty.stderr == "storage-agent: no indexed files match\n")
    }

    @Test func badDatesAndRangesAreOneLineUsageErrors() {
        let node = SeoulNode()
        let cases: [([String], String)] = [
            (["--date", "20261131"], "--date 20261131: 20261131 is not a calendar date"),
            (["--gaps", "--date", "20261131"], "--date 20261131: 20261131 is not a calendar date"),
            (["--since", "20260230"], "--since 20260230: 20260230 is not a calendar date"),
            (["--until", "2026-02-03"], "--until 2026-02-03: use YYYYMMDD, e.g. 20260203"),
            (["--date", "20260203..20260231"], "--date 20260203..20260231: 20260231 is not a calendar date"),
            (["--date", "20260203...20260204"], "use YYYYMMDD or YYYYMMDD..YYYYMMDD"),
            (["--date", "20260204..20260203"], "the range 20260204..20260203 ends before it starts"),
            (["--date", "20260203", "--since", "20260201"], "--date cannot be combined with --since or --until"),
            (["--gaps", "--until", "20260203"], "--gaps with --until needs a first day"),
            (["--gaps", "--summary"], "--gaps and --summary are two views"),
        ]
        for (arguments, message) in cases {
            let r = CLI.run(["--db", node.box.db, "--storage-root", node.box.root, "query"] + arguments)
            #expect(r.status == 64, "\(arguments): \(r.stderr)")
            #expect(r.stderr.hasPrefix("storage-agent: ") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }

    @Test func anUnknownTrackIsAUsageErrorListingTheKnownOnes() {
        let node = SeoulNode()
        for extra in [[], ["--gaps"], ["--summary"]] {
            let r = node.agent(["query", "--track", "scalpp"] + extra)
            #expect(r.status == 64, "\(extra): \(r.stderr)")
            #expect(
                r.stderr
                    == "storage-agent: --track scalpp is not a configured track; known tracks: scalp, swing, system, maintenance\n"
            )
        }
        // The known tracks are the configuration's (the built-in ones, plus those it adds).
        let custom = node.box.agent(
            ["query", "--track", "gamma"], config: "tracks:\n  alpha: {}\n  beta: {retention: 3d}\n")
        #expect(custom.status == 64)
        #expect(
            custom.stderr.hasSuffix("known tracks: scalp, swing, system, maintenance, alpha, beta\n"),
            "\(custom.stderr)")
        #expect(node.box.agent(["query", "--track", "alpha"], config: "tracks:\n  alpha: {}\n").status == 1)
        #expect(
            node.agent("query", "--track", "maintenance").status == 1, "a known track with no files is 'nothing found'")
    }

    @Test func gapsOverARangePrintOneBlockPerDay() throws {
        let node = SeoulNode()
        let r = node.agent("query", "--gaps", "--track", "scalp", "--date", "20260203..20260207")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let all = "09:00, 10:00, 11:00, 12:00, 13:00, 14:00, 15:00"
        #expect(
            r.stdout == """
                observer-prod/observer-logs-pvc  scalp  20260203  missing 11:00, 13:00, 14:00, 15:00
                observer-prod/observer-logs-pvc  scalp  20260204  missing 10:00, 11:00, 12:00, 13:00, 14:00, 15:00
                observer-prod/observer-logs-pvc  scalp  20260205  missing \(all)
                observer-prod/observer-logs-pvc  scalp  20260206  missing \(all)
                20260207 is outside scalp's active window (Mon-Fri 09:00-15:30 Asia/Seoul): no hours to check

                """)
        let json = node.agent("query", "--gaps", "--since", "20260203", "--until", "20260207", "--json")
        #expect(json.json.count == 5)
        #expect(
            json.json.compactMap { $0["date"] as? String } == [
                "20260203", "20260204", "20260205", "20260206", "20260207",
            ])
        #expect(json.json.allSatisfy { Set($0.keys) == GapsCLITests.keys })
        #expect(json.json.first?["missing"] as? [Int] == [11, 13, 14, 15])
        #expect(json.json.last?["outside_window"] as? Bool == true)
        let single = node.agent("query", "--gaps", "--date", "20260203..20260203")
        #expect(
            single.stdout == "observer-prod/observer-logs-pvc  scalp  20260203  missing 11:00, 13:00, 14:00, 15:00\n")
        let long = node.agent("query", "--gaps", "--date", "20250101..20260203")
        #expect(long.status == 64 && long.stderr.contains("spans more than 366 days"), "\(long.stderr)")
    }
}

/// `--summary`: one line per day and track.
@Suite struct QuerySummaryTests {
    @Test func aDayPerLineWithFirstAndLastWriteAndMissingHours() {
        let node = SeoulNode()
        let r = node.agent("query", "--track", "scalp", "--since", "20260202", "--until", "20260204", "--summary")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout == """
                DATE      TRACK  FILES  SIZE  LINES  FIRST-WRITE (Asia/Seoul)  LAST-WRITE  MISSING
                20260202  scalp      0    0B      0  -                         -           09:00, 10:00, 11:00, 12:00, 13:00, 14:00, 15:00
                20260203  scalp      3   17B      4  09:10:00                  12:09:00    11:00, 13:00, 14:00, 15:00
                20260204  scalp      1    3B      1  09:10:00                  09:10:00    10:00, 11:00, 12:00, 13:00, 14:00, 15:00

                """)
        let mixed = node.agent("query", "--date", "20260203..20260205", "--summary", "--no-headers")
        #expect(
            mixed.stdout == """
                20260203  scalp   3  17B  4  Asia/Seoul  09:10:00  12:09:00  11:00, 13:00, 14:00, 15:00
                20260203  swing   1   9B  3  Asia/Seoul  15:10:00  15:10:00  -
                20260204  scalp   1   3B  1  Asia/Seoul  09:10:00  09:10:00  10:00, 11:00, 12:00, 13:00, 14:00, 15:00
                20260205  scalp   0   0B  0  Asia/Seoul  -         -         09:00, 10:00, 11:00, 12:00, 13:00, 14:00, 15:00
                20260205  system  1   3B  1  UTC         00:10:00  00:10:00  -

                """)
    }

    @Test func summaryJSONIsAnArrayOfDays() throws {
        let node = SeoulNode()
        let r = node.agent("query", "--track", "scalp", "--date", "20260203..20260207", "--summary", "-o", "json")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.json.count == 4, "Saturday has no file and is outside the window: no line")
        let keys: Set<String> = [
            "date", "track", "files", "bytes", "lines", "first_write", "last_write", "timezone", "hourly", "missing",
            "outside_window",
        ]
        #expect(r.json.allSatisfy { Set($0.keys) == keys })
        let first = try #require(r.json.first)
        #expect(first["date"] as? String == "20260203" && first["files"] as? Int == 3 && first["bytes"] as? Int == 17)
        #expect(first["first_write"] as? String == "2026-02-03T00:10:00Z")
        #expect(first["last_write"] as? String == "2026-02-03T03:09:00Z")
        #expect(first["timezone"] as? String == "Asia/Seoul" && first["hourly"] as? Bool == true)
        #expect(first["missing"] as? [Int] == [11, 13, 14, 15])
        let empty = try #require(r.json.last)
        #expect(empty["date"] as? String == "20260206" && empty["files"] as? Int == 0)
        #expect(empty["first_write"] is NSNull && (empty["missing"] as? [Int])?.count == 7)
        // A file on a day outside the window: the line says so.
        node.file("assets/scalp/20260207_10.jsonl", "{}\n", at: 1_770_426_000)
        let saturday = node.agent("query", "--date", "20260207", "--summary", "--json", "--refresh")
        #expect(saturday.json.first?["outside_window"] as? Bool == true)
        #expect(saturday.json.first?["missing"] as? [Int] == [])
        // A write on another day than the row's (in the row's zone) shows with its date: an early
        // write for Friday, 08:30 in Seoul, is Thursday evening in UTC.
        node.file("assets/scalp/20260206_09.jsonl", "{}\n", at: 1_770_334_200)
        let seoul = node.agent("query", "--date", "20260206", "--summary", "--no-headers", "--refresh")
        #expect(seoul.stdout.hasPrefix("20260206  scalp  1  3B  1  08:30:00  08:30:00  10:00"), "\(seoul.stdout)")
        let utc = node.agent("query", "--date", "20260206", "--summary", "--utc", "--no-headers")
        #expect(
            utc.stdout.hasPrefix("20260206  scalp  1  3B  1  2026-02-05 23:30:00  2026-02-05 23:30:00  10:00"),
            "\(utc.stdout)")
    }
}
