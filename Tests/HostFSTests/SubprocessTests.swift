import Glibc
import HostFS
import Testing

@Suite struct SubprocessTests {
    func shell(_ script: String, timeout: Int = 15, cap: Int = 64 << 20) -> Subprocess {
        var p = Subprocess(executable: "/bin/sh", arguments: ["sh", "-c", script])
        p.timeoutSeconds = timeout
        p.maxOutputBytes = cap
        return p
    }

    @Test func capturesStandardOutputAndTheExitStatus() throws {
        let out = try shell("printf 'a\\nb'; exit 3").run()
        #expect(out.termination == .exited(3) && out.output == Array("a\nb".utf8))
        #expect(try shell("kill -9 $$").run().termination == .signaled(9))
    }

    @Test func theDeadlineKillsTheWholeGroupGrandchildrenToo() throws {
        let marker = "/tmp/sa-subprocess-\(getpid())"
        defer { unlink(marker) }
        // The grandchild would create the marker after 3 s; the group dies at 1 s.
        let out = try shell("(sleep 3; touch \(marker)) & sleep 30", timeout: 1).run()
        #expect(out.termination == .timedOut)
        sleep(3)
        #expect(access(marker, F_OK) != 0, "the background grandchild was killed with its group")
    }

    @Test func aChildThatClosesItsOutputButKeepsRunningStillMeetsTheDeadline() throws {
        #expect(try shell("exec >&-; sleep 30", timeout: 1).run().termination == .timedOut)
    }

    @Test func outputPastTheCapKillsTheChild() throws {
        let out = try shell("yes", cap: 100_000).run()
        #expect(out.termination == .outputLimit && out.output.count > 100_000)
    }

    @Test func theMinimalEnvironmentKeepsOnlyWhatIsNamed() throws {
        setenv("SA_SECRET", "x", 1)
        setenv("SA_KEPT", "y", 1)
        defer {
            unsetenv("SA_SECRET")
            unsetenv("SA_KEPT")
        }
        var p = shell("env | sort")
        p.environment = .minimal(keeping: ["SA_KEPT"])
        let env = String(decoding: try p.run().output, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(env.contains("SA_KEPT=y") && env.contains("LC_ALL=C") && !env.contains("SA_SECRET=x"))
        #expect(env.contains("PATH=" + Subprocess.minimalPath))
    }
}
