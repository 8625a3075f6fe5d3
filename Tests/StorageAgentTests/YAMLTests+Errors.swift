import TestSupport
import Testing

@testable import Alerting
@testable import StorageAgent

/// What the YAML subset rejects, each with its line.
extension YAMLTests {
    @Test func tabsForIndentationAreRejectedWithTheirLine() {
        let error = yamlError("a:\n\tb: 1\n")
        #expect(error?.line == 2)
        #expect(error?.message.contains("tabs") == true)
        #expect(yamlError("a:\n  \tb: 1\n")?.line == 2)
    }

    @Test func duplicateKeysAreRejectedWithTheSecondLine() {
        let error = yamlError("a: 1\nb: 2\na: 3\n")
        #expect(error?.line == 3)
        #expect(error?.message.contains("duplicate key 'a'") == true)
        #expect(yamlError("x:\n  k: 1\n  k: 2\n")?.line == 3)
        #expect(yamlError("m: {k: 1, k: 2}\n")?.line == 1)
    }

    @Test func inconsistentIndentationIsRejectedWithItsLine() {
        #expect(yamlError("a: 1\n  b: 2\n")?.line == 2)
        #expect(yamlError("a:\n    b: 1\n  c: 2\n")?.line == 3)
        #expect(yamlError("a:\n  b: 1\n c: 2\n")?.line == 3)
    }

    @Test func anchorsAliasesTagsAndBlockScalarsAtTheStartOfALineAreRejected() {
        for (text, line) in [
            ("a: 1\n&anchor b: 2\n", 2), ("*alias\n", 1), ("!!map\n", 1), ("|\n", 1), (">\n", 1), ("%YAML 1.2\n", 1),
        ] {
            #expect(yamlError(text)?.line == line, "\(text)")
        }
    }

    @Test func malformedFlowAndQuotedValuesAreRejectedWithTheirLine() {
        for text in [
            "ok: 1\nbad: [a, b\n", "ok: 1\nbad: {a: 1\n", "ok: 1\nbad: [a] trailing\n", "ok: 1\nbad: \"unterminated\n",
            "ok: 1\nbad: 'unterminated\n", "ok: 1\nbad: \"bad \\x escape\"\n", "ok: 1\nbad: {a 1}\n",
            "ok: 1\nbad: [a, \"b]\n",
        ] {
            #expect(yamlError(text)?.line == 2, "\(text)")
        }
    }

    @Test func aLineThatIsNotKeyValueInAMappingIsRejected() {
        let error = yamlError("a: 1\njust text\n")
        #expect(error?.line == 2)
        #expect(yamlError("a: 1\n- item\n")?.line == 2)
    }
}
