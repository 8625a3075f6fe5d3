import Foundation
import Glibc
import HostFS
import TestSupport
import Testing

/// A data volume whose scalp hours 09-15 are all there over the week of 2026-02-02.
@discardableResult
private func fullWeek(_ box: CLISandbox, namespace: String = "observer-prod", uid: String? = nil) -> String {
    let volume = box.volume(namespace, "observer-data-pvc", uid: uid ?? "00000000-0000-4000-8000-0000000000d1")
    for day in 2...6 {
        for h in 9...15 { box.write(volume + "/assets/scalp/" + CoverageWeek.name(day, h), CoverageWeek.hour) }
    }
    return volume
}

/// The agent as a person on a terminal runs it: under script(1)'s pseudo-terminal (which ends
/// lines with CR LF).
private func onTerminal(_ box: CLISandbox, _ arguments: [String], environment: [String: String]) -> CLIResult {
    let command = ([CLI.binary, "--db", box.db, "--storage-root", box.root] + arguments).map { "'\($0)'" }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    p.arguments = ["-qec", command.joined(separator: " "), "/dev/null"]
    p.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { _, new in new }
    let out = Pipe()
    p.standardOutput = out
    p.standardInput = FileHandle.nullDevice
    try! p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let text = String(decoding: o, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
    return CLIResult(status: p.terminationStatus, stdout: text, stderr: "")
}

/// Seconds since the epoch, now.
private func now() -> Int { Int(time(nil)) }

/// YYYYMMDD of a day number (days since 1970-01-01), by Foundation's Gregorian calendar.
private func date(days: Int) -> String {
    let f = DateFormatter()
    f.timeZone = TimeZone(identifier: "UTC")
    f.locale = Locale(identifier: "en_US_POSIX")
    f.dateFormat = "yyyyMMdd"
    return f.string(from: Date(timeIntervalSince1970: TimeInterval(days * 86400)))
}

extension CoverageCLITests {
    @Test func aTrackInSeoulOnAUTCNodeCountsItsHoursInSeoul() throws {
        let box = CLISandbox()
        let volume = box.volume("observer-prod", "observer-data-pvc")
        box.write(volume + "/scalp/20260105_00.jsonl", "{}\n")
        let config = box.dir + "/seoul.yaml"
        box.write(config, "tracks:\n  scalp: {active: \"Sun-Sat 00:00-24:00\", timezone: Asia/Seoul, hourly: true}\n")
        // Seoul is UTC+9 all year (no daylight saving since 1988).
        let before = now() + 9 * 3600
        let today = before / 86400
        let r = CLI.run(
            [
                "--db", box.db, "--storage-root", box.root, "--config", config, "coverage", "--track", "scalp",
                "--since", date(days: today - 1), "--until", date(days: today + 1), "--json",
            ], environment: ["TZ": "UTC", "PATH": "/usr/bin:/bin"])
        let after = now() + 9 * 3600
        #expect(r.status == 1, "\(r.stderr)")
        let states = r.json.compactMap { $0["state"] as? String }
        #expect(states.count == 72)
        // Yesterday's 24 hours and today's finished ones (Seoul) are due; the rest are not yet.
        let due = Set([24 + (before % 86400) / 3600, 24 + (after % 86400) / 3600])
        let missing = states.filter { $0 == "missing" }.count
        #expect(due.contains(missing), "missing \(missing), expected one of \(due)")
        #expect(states.filter { $0 == "upcoming" }.count == 72 - missing)
        #expect(states.prefix(missing).allSatisfy { $0 == "missing" })
        let firstUpcoming = try #require(r.json.first { $0["state"] as? String == "upcoming" })
        #expect(Set([date(days: today), date(days: after / 86400)]).contains(firstUpcoming["date"] as? String ?? ""))
    }

    @Test func theDefaultRangeIsTheWeekEndingWithTheLastFinishedWindowInTheTracksZone() throws {
        let box = CLISandbox()
        let volume = box.volume("observer-prod", "observer-data-pvc")
        box.write(volume + "/scalp/20260105_09.jsonl", "{}\n")
        /// Mon-Fri 09:00-15:30 in Seoul: today when its window has ended, else the weekday before.
        func lastFinished(_ utc: Int) -> Int {
            let local = utc + 9 * 3600
            var day = local / 86400
            let weekday = (day + 4) % 7
            if !((1...5).contains(weekday) && local % 86400 >= 930 * 60) {
                day -= 1
                while !(1...5).contains((day + 4) % 7) { day -= 1 }
            }
            return day
        }
        let before = lastFinished(now())
        let r = box.agent("coverage", "--track", "scalp", "--json")
        let after = lastFinished(now())
        #expect(r.status == 1)
        let dates = r.json.compactMap { $0["date"] as? String }
        #expect(dates.count == 7 * 7)
        let end = dates.last == date(days: before) ? before : after
        #expect(dates.last == date(days: end))
        #expect(dates.first == date(days: end - 6))
    }

    @Test func aDailyTrackIsOneRowOfDays() {
        let box = CLISandbox()
        let logs = box.volume("observer-prod", "observer-logs-pvc")
        for day in [2, 3, 4, 6] { box.write(logs + "/assets/swing/2026020\(day).jsonl", "{}\n") }
        for day in [2, 3, 5, 6, 7, 8] { box.write(logs + "/system/gap_2026020\(day).jsonl", "{}\n") }
        let r = box.agent("coverage", "--since", "20260202", "--until", "20260208")
        #expect(r.status == 1)
        #expect(r.stderr == "storage-agent: cells the PVCs lack: 2 missing\n")
        #expect(
            r.stdout == """
                observer-prod/observer-logs-pvc  swing  20260202..20260208  daily, Mon-Fri 09:00-15:30 Asia/Seoul
                  Mo Tu We Th Fr Sa Su
                  02 03 04 05 06 07 08
                  #  #  #  .  #  -  -
                  7 days: 4 present, 1 missing, 2 outside the window

                observer-prod/observer-logs-pvc  system  20260202..20260208  daily, every day UTC
                  Mo Tu We Th Fr Sa Su
                  02 03 04 05 06 07 08
                  #  #  .  #  #  #  #
                  7 days: 6 present, 1 missing


                """ + Self.legend)
        let json = box.agent("coverage", "--track", "system", "--since", "20260202", "--until", "20260208", "--json")
        #expect(json.json.count == 7)
        #expect(json.json.allSatisfy { $0["hour"] is NSNull && $0["track"] as? String == "system" })
        #expect(
            json.json.map { $0["state"] as? String } == ["present", "present", "missing"]
                + Array(repeating: "present", count: 4))
    }

    @Test func rangesChooseTheRowsAndAFullWeekExitsZero() {
        let box = CLISandbox()
        fullWeek(box)
        let week = box.agent("coverage", "--track", "scalp", "--since", "20260202", "--until", "20260208")
        #expect(week.status == 0, "\(week.stderr)")
        #expect(week.stderr.isEmpty)
        #expect(week.stdout.contains("  49 hours: 35 present, 14 outside the window\n"))
        let one = box.agent("coverage", "--track", "scalp", "--since", "20260204", "--until", "20260204", "--json")
        #expect(Set(one.json.compactMap { $0["date"] as? String }) == ["20260204"])
        #expect(one.json.compactMap { $0["hour"] as? Int } == Array(9...15))
        let untilOnly = box.agent("coverage", "--track", "scalp", "--until", "20260206", "--json")
        #expect(untilOnly.json.first?["date"] as? String == "20260131")
        #expect(untilOnly.json.last?["date"] as? String == "20260206")
        #expect(untilOnly.status == 0, "a weekend before the window is outside it, not missing")
    }

    @Test func aHolidayOfTheTrackIsOutsideTheWindowNotMissing() {
        let box = CLISandbox()
        let volume = fullWeek(box)
        for h in 9...15 { unlink(volume + "/assets/scalp/" + CoverageWeek.name(4, h)) }  // Wed 20260204
        let config = "tracks:\n  scalp:\n    holidays: [20260204, \"20261225\"]\n"
        let week = box.agent(
            ["coverage", "--track", "scalp", "--since", "20260202", "--until", "20260208", "--json"], config: config)
        #expect(week.status == 0, "\(week.stderr)")
        let wednesday = week.json.filter { $0["date"] as? String == "20260204" }
        #expect(wednesday.count == 7 && wednesday.allSatisfy { $0["state"] as? String == "outside" })
        #expect(wednesday.first?["detail"] as? String == "20260204 is a holiday of the track (tracks.scalp.holidays)")
        let gaps = box.agent(["query", "--gaps", "--track", "scalp", "--date", "20260204"], config: config)
        #expect(gaps.stdout == "20260204 is a holiday of scalp (tracks.scalp.holidays): no hours to check\n")
        // Without the holiday the same day is seven missing hours.
        let plain = box.agent("coverage", "--track", "scalp", "--since", "20260204", "--until", "20260204")
        #expect(plain.status == 1 && plain.stdout.contains("7 missing"), "\(plain.stdout)")

        let bad = box.agent(
            ["check-config"], config: "tracks:\n  scalp:\n    holidays:\n      - 20260204\n      - 20261131\n")
        #expect(bad.status == 78)
        #expect(bad.stderr.contains(":5: tracks.scalp.holidays: '20261131' is not a calendar date"), "\(bad.stderr)")
    }

    @Test func typosAreUsageErrors() {
        let box = CLISandbox()
        fullWeek(box)
        func usage(_ arguments: String..., saying text: String) {
            let r = box.agent(["coverage"] + arguments)
            #expect(r.status == 64, "\(arguments)")
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.contains(text), "\(r.stderr)")
        }
        usage("--since", "20261131", saying: "--since 20261131 is not a calendar date")
        usage("--until", "20260230", saying: "--until 20260230 is not a calendar date")
        usage("--since", "2026-02-03", saying: "--since 2026-02-03: use YYYYMMDD")
        usage("--since", "20260210", "--until", "20260202", saying: "--since 20260210 is after --until 20260202")
        usage("--since", "20250101", "--until", "20260601", saying: "spans more than 366 days")
        usage("--pvc", "a/b/c", saying: "use NAMESPACE/NAME")
        usage("--color", "sometimes", saying: "--color")
        let track = box.agent("coverage", "--track", "scalpp")
        #expect(track.status == 64)
        #expect(
            track.stderr == "storage-agent: unknown track scalpp; known tracks: scalp, swing, system, maintenance\n")
    }

    @Test func aPVCNameAloneIsEnoughWhenOneNamespaceHasIt() {
        let box = CLISandbox()
        fullWeek(box)
        let range = ["--since", "20260202", "--until", "20260208"]
        let byName = box.agent(["coverage", "--pvc", "observer-data-pvc"] + range)
        let byClaim = box.agent(["coverage", "--pvc", "observer-prod/observer-data-pvc"] + range)
        #expect(byName.status == 0 && byName.stdout == byClaim.stdout && !byName.stdout.isEmpty)
        #expect(box.agent(["coverage", "--pvc", "no-such-pvc"] + range).status == 1)
        fullWeek(box, namespace: "observer-dev", uid: "00000000-0000-4000-8000-0000000000d2")
        #expect(box.agent("scan").status == 0)
        let ambiguous = box.agent(["coverage", "--pvc", "observer-data-pvc"] + range)
        #expect(ambiguous.status == 64)
        #expect(ambiguous.stderr.contains("observer-dev/observer-data-pvc, observer-prod/observer-data-pvc"))
        let pv = box.agent(["coverage", "--pv", "pvc-00000000-0000-4000-8000-0000000000d2", "--json"] + range)
        #expect(pv.json.count == 49 && pv.json.allSatisfy { $0["namespace"] as? String == "observer-dev" })
    }

    @Test func colourFollowsTheTerminalNoColorAndTheOption() {
        let box = CLISandbox()
        fullWeek(box)
        let range = ["coverage", "--track", "scalp", "--since", "20260202", "--until", "20260208"]
        let block = "\u{1B}[32m\u{2588}\u{2588}\u{1B}[0m"
        let always = box.agent(range + ["--color=always"])
        #expect(always.stdout.contains("Mon 20260202  " + Array(repeating: block, count: 7).joined(separator: " ")))
        #expect(
            always.stdout.hasSuffix(
                block + " present  \u{1B}[33m\u{2584}\u{2584}\u{1B}[0m partial  "
                    + "\u{1B}[35m\u{2588}\u{2588}\u{1B}[0m rescued  \u{1B}[36m\u{2588}\u{2588}\u{1B}[0m stale  \u{1B}[31m\u{2592}\u{2592}\u{1B}[0m deleted  \u{1B}[34m\u{2591}\u{2591}\u{1B}[0m expired  \u{1B}[1;31m\u{00B7}\u{00B7}\u{1B}[0m missing  \u{1B}[2m--\u{1B}[0m outside the window  \u{1B}[2m__\u{1B}[0m not due yet\n"
            ))
        #expect(!box.agent(range).stdout.contains("\u{1B}"), "piped: plain")
        let terminal = ["TERM": "xterm"]
        #expect(onTerminal(box, range, environment: terminal).stdout.contains(block), "a terminal: colour")
        let noColor = onTerminal(box, range, environment: terminal.merging(["NO_COLOR": "1"]) { $1 })
        #expect(noColor.status == 0 && noColor.stdout.contains("Mon 20260202  #  #  #  #  #  #  #"))
        #expect(!noColor.stdout.contains("\u{1B}"), "NO_COLOR: plain on a terminal too")
        #expect(!onTerminal(box, range + ["--color=never"], environment: terminal).stdout.contains("\u{1B}"))
        #expect(!onTerminal(box, range, environment: ["TERM": "dumb"]).stdout.contains("\u{1B}"))
        let forced = onTerminal(
            box, range + ["--color=always"], environment: terminal.merging(["NO_COLOR": "1"]) { $1 })
        #expect(forced.stdout.contains(block), "--color=always wins over NO_COLOR")
    }

    /// Hostile: a writer names an hour's file with terminal controls, a forged line and a byte that
    /// is not UTF-8; deleted, it is shown in the notes, escaped, and in the JSON as its bytes.
    @Test func aHostileFileNameIsShownEscaped() throws {
        let box = CLISandbox()
        let volume = fullWeek(box)
        unlink(volume + "/assets/scalp/20260203_09.jsonl")
        let name =
            Array("20260203_09".utf8) + [0x1B] + Array("]0;owned".utf8) + [0x07, 0x0D, 0x0A]
            + Array("Wed 20260204  #  #".utf8) + [0xFF] + Array(".jsonl".utf8)
        let path = Array((volume + "/assets/scalp/").utf8) + name
        try writeFile(cPath: path, Array(CoverageWeek.hour.utf8))
        #expect(box.agent("scan").status == 0)
        unlink(cName(path))
        #expect(box.agent("scan").status == 0)
        let range = ["coverage", "--track", "scalp", "--since", "20260202", "--until", "20260208"]
        let r = box.agent(range)
        #expect(r.status == 1)
        #expect(![0x1B, 0x07, 0x0D, 0xFF].contains(where: r.stdout.utf8.contains))
        #expect(r.stdout.split(separator: "\n", omittingEmptySubsequences: false).count == 2 + 7 + 2 + 2 + 1)
        let note = try #require(
            r.stdout.split(separator: "\n").first { $0.hasPrefix("  Tue 20260203 09:00  deleted  ") })
        #expect(
            note.hasPrefix(
                #"  Tue 20260203 09:00  deleted  assets/scalp/20260203_09\x1b]0;owned\x07\x0d\x0aWed 20260204  #  #\xff.jsonl: deleted"#
            ))
        let json = box.agent(range + ["--json"])
        #expect(!json.stdout.utf8.contains(0x1B) && !json.stdout.utf8.contains(0x07))
        let cell = try #require(json.json.first { $0["date"] as? String == "20260203" && $0["hour"] as? Int == 9 })
        #expect(cell["state"] as? String == "deleted")
        #expect(cell["paths"] as? [String] == [RawName.decoded(path)])
    }
}
