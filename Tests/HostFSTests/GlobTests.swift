import Glibc
import HostFS
import Testing

@Suite struct GlobTests {
    @Test func starExtensionMatchesOnlyThatExtension() throws {
        let jsonl = try Glob("*.jsonl")
        #expect(jsonl.matches("a.jsonl"))
        #expect(jsonl.matches("scalp_20260203_09.jsonl"))
        #expect(jsonl.matches(".jsonl"))
        #expect(!jsonl.matches("a.jsonl.gz"))
        #expect(!jsonl.matches("a.json"))
        #expect(!jsonl.matches("jsonl"))
        #expect(!jsonl.matches("a.JSONL"))
        #expect(!jsonl.matches(""))
    }

    @Test func suffixFastPathAgreesWithFnmatch() throws {
        let names = [
            "a.log", ".log", "log", "a.log.1", "x.logs", "a.jsonl", "b.LOG", "", "..log", "a.lo", "ÿ.log", "한.log",
        ]
        for pattern in ["*.log", "*", "*g", "*.jsonl", "*]"] {
            let glob = try Glob(pattern)
            for name in names {
                #expect(glob.matches(name) == (fnmatch(pattern, name, 0) == 0), "pattern \(pattern) name \(name)")
            }
        }
    }

    @Test func questionMarksAndBracketsGoThroughFnmatch() throws {
        let hourly = try Glob("????????_??.log")
        #expect(hourly.matches("20260203_09.log"))
        #expect(!hourly.matches("20260203_9.log"))
        let digits = try Glob("[0-9]*.jsonl")
        #expect(digits.matches("20260203.jsonl"))
        #expect(!digits.matches("scalp_20260203.jsonl"))
        let negated = try Glob("[!.]*.log")
        #expect(negated.matches("system.log"))
        #expect(!negated.matches(".system.log"))
        let set = try Glob("*.[jl]*")
        #expect(set.matches("a.jsonl"))
        #expect(set.matches("a.log"))
        #expect(!set.matches("a.tar.gz"))
        let middle = try Glob("scalp_*.jsonl")
        #expect(middle.matches("scalp_20260203_09.jsonl"))
        #expect(!middle.matches("swing_20260203.jsonl"))
    }

    @Test func escapedSpecialCharactersMatchLiterally() throws {
        let glob = try Glob("\\[x\\]*.log")
        #expect(glob.matches("[x]-1.log"))
        #expect(!glob.matches("x-1.log"))
        let star = try Glob("\\*.log")
        #expect(star.matches("*.log"))
        #expect(!star.matches("a.log"))
    }

    @Test func matchesRawNameBytesThatAreNotUTF8() throws {
        let glob = try Glob("*.jsonl")
        let bytes = Array("caf".utf8) + [0xE9] + Array(".jsonl".utf8)
        let raw = CString(bytes)
        #expect(glob.matches(raw.pointer, length: bytes.count))
        #expect(try Glob("caf?.jsonl").matches(raw.pointer, length: bytes.count))
        #expect(!(try Glob("café.jsonl").matches(raw.pointer, length: bytes.count)))
    }

    @Test func invalidGlobsThrow() {
        for pattern in ["[abc", "a/b", "", "*.log/", "abc\\", "a\u{0}b", "x[", "[a-z"] {
            #expect(throws: GlobError.self, "pattern \(pattern)") { try Glob(pattern) }
        }
    }

    @Test func theErrorNamesThePattern() {
        let error = #expect(throws: GlobError.self) { try Glob("[abc") }
        #expect(error?.pattern == "[abc")
    }

    @Test func validGlobsKeepTheirText() throws {
        for pattern in ["*.jsonl", "*.log", "[a-z]*.log", "a?c", "\\[", "*"] {
            #expect(try Glob(pattern).pattern == pattern)
        }
        #expect(try Glob("*.log") == (try Glob("*.log")))
        #expect(try Glob("*.log") != (try Glob("*.jsonl")))
    }

    @Test
    func bracketExpressionsThatNeverCloseThrow() {
        for pattern in ["[]", "[!]", "[]a", "*.[]"] {
            // glibc fnmatch sees no closing bracket here and falls back to matching '[' literally.
            #expect(
                fnmatch(pattern, "[]", 0) == 0 || fnmatch(pattern, "[!]", 0) == 0 || fnmatch(pattern, "[]a", 0) == 0
                    || fnmatch(pattern, "x.[]", 0) == 0)
            #expect(throws: GlobError.self, "pattern \(pattern)") { try Glob(pattern) }
        }
    }
}
