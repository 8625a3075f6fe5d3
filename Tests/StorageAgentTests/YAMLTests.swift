import TestSupport
import Testing

@testable import Alerting
@testable import StorageAgent

/// The YAML subset of the configuration file, parsed on its own.
@Suite struct YAMLTests {
    func parse(_ text: String) throws -> YAMLNode { try YAMLParser.parse(text) }

    func yamlError(_ text: String) -> YAMLError? {
        do {
            _ = try YAMLParser.parse(text)
            return nil
        } catch {
            return error
        }
    }

    func plain(_ s: String) -> YAMLNode { .scalar(s, quoted: false, line: 0) }
    func quoted(_ s: String) -> YAMLNode { .scalar(s, quoted: true, line: 0) }
    func map(_ entries: [(String, YAMLNode)]) -> YAMLNode { .mapping(entries.map { ($0.0, 0, $0.1) }, line: 0) }
    func seq(_ items: [YAMLNode]) -> YAMLNode { .sequence(items, line: 0) }

    /// The value under `key` of a mapping node.
    func value(_ node: YAMLNode, _ key: String) -> YAMLNode? {
        guard case .mapping(let entries, _) = node else { return nil }
        return entries.first { $0.key == key }?.value
    }

    func keyLine(_ node: YAMLNode, _ key: String) -> Int? {
        guard case .mapping(let entries, _) = node else { return nil }
        return entries.first { $0.key == key }?.line
    }

    @Test func nestedBlockMappingsKeepTheirKeysInOrder() throws {
        let node = try parse(
            """
            a: 1
            b:
              c: two
              d:
                e: three
            f: four
            """)
        #expect(
            node
                == map([
                    ("a", plain("1")), ("b", map([("c", plain("two")), ("d", map([("e", plain("three"))]))])),
                    ("f", plain("four")),
                ]))
    }

    @Test func everyKeyAndValueRemembersItsLine() throws {
        let node = try parse(
            """
            # header comment

            first: 1
            second:
              inner: x
            third: [a, b]
            """)
        #expect(keyLine(node, "first") == 3)
        #expect(keyLine(node, "second") == 4)
        #expect(value(node, "second").flatMap { keyLine($0, "inner") } == 5)
        #expect(value(node, "third")?.line == 6)
        #expect(value(node, "first")?.line == 3)
    }

    @Test func blockSequencesOfScalarsAndOfMappings() throws {
        let node = try parse(
            """
            roots:
              - /a
              - /b
            volumes:
              - pvc: ns/one
                expect: true
              - path: /opt/x
                name: ns/two
            """)
        #expect(value(node, "roots") == seq([plain("/a"), plain("/b")]))
        #expect(
            value(node, "volumes")
                == seq([
                    map([("pvc", plain("ns/one")), ("expect", plain("true"))]),
                    map([("path", plain("/opt/x")), ("name", plain("ns/two"))]),
                ]))
        guard case .sequence(let items, _)? = value(node, "volumes") else { Issue.record("not a sequence"); return }
        #expect(items.map(\.line) == [5, 7])
    }

    @Test func aSequenceMayStartAtItsKeysIndentation() throws {
        let node = try parse(
            """
            include:
            - "*.jsonl"
            - "*.log"
            next: 1
            """)
        #expect(value(node, "include") == seq([quoted("*.jsonl"), quoted("*.log")]))
        #expect(value(node, "next") == plain("1"))
    }

    @Test func flowListsAndMapsNest() throws {
        let node = try parse(
            """
            list: [/var/lib/rancher/k3s/storage, "/data/two", 'three']
            map: {retention: 3d, active: "Mon-Fri 09:00-15:30", timezone: Asia/Seoul, hourly: true}
            nested: {a: [1, 2], b: {c: d}, e: []}
            empty_list: []
            empty_map: {}
            """)
        #expect(
            value(node, "list") == seq([plain("/var/lib/rancher/k3s/storage"), quoted("/data/two"), quoted("three")]))
        #expect(
            value(node, "map")
                == map([
                    ("retention", plain("3d")), ("active", quoted("Mon-Fri 09:00-15:30")),
                    ("timezone", plain("Asia/Seoul")), ("hourly", plain("true")),
                ]))
        #expect(
            value(node, "nested")
                == map([("a", seq([plain("1"), plain("2")])), ("b", map([("c", plain("d"))])), ("e", seq([]))]))
        #expect(value(node, "empty_list") == seq([]))
        #expect(value(node, "empty_map") == map([]))
    }

    @Test func flowValuesInsideBlockSequences() throws {
        let node = try parse(
            """
            items:
              - {pvc: ns/a, expect: true}
              - [x, y]
            """)
        #expect(
            value(node, "items")
                == seq([map([("pvc", plain("ns/a")), ("expect", plain("true"))]), seq([plain("x"), plain("y")])]))
    }

    @Test func quotedScalarsAreMarkedAndUnescaped() throws {
        let node = try parse(
            #"""
            double: "tab\there \"q\" back\\slash\nnew"
            single: 'it''s'
            plain: it's
            empty: ""
            """#)
        #expect(value(node, "double") == quoted("tab\there \"q\" back\\slash\nnew"))
        #expect(value(node, "single") == quoted("it's"))
        #expect(value(node, "plain") == plain("it's"))
        #expect(value(node, "empty") == quoted(""))
        #expect(value(node, "empty")?.isNull == false)
    }

    @Test func commentsAreRemovedOnlyAfterWhiteSpaceAndOutsideQuotes() throws {
        let node = try parse(
            """
            a: value # a comment
            b: "quoted # not a comment"
            c: 'single # not either'
            d: x#y
            e: "k: v"   # comment after a quoted value
            f: [a, "b # c"]  # and after a flow list
            # g: commented out
              # an indented comment line
            """)
        #expect(value(node, "a") == plain("value"))
        #expect(value(node, "b") == quoted("quoted # not a comment"))
        #expect(value(node, "c") == quoted("single # not either"))
        #expect(value(node, "d") == plain("x#y"))
        #expect(value(node, "e") == quoted("k: v"))
        #expect(value(node, "f") == seq([plain("a"), quoted("b # c")]))
        #expect(value(node, "g") == nil)
    }

    @Test func colonsWithoutAFollowingSpaceStayInTheValue() throws {
        let node = try parse(
            """
            url: http://localhost:9100/metrics
            time: 09:00
            owner: 999:999
            """)
        #expect(value(node, "url") == plain("http://localhost:9100/metrics"))
        #expect(value(node, "time") == plain("09:00"))
        #expect(value(node, "owner") == plain("999:999"))
    }

    @Test func nullForms() throws {
        let node = try parse(
            """
            a: null
            b: ~
            c:
            d: NULL
            e: "null"
            """)
        #expect(value(node, "a")?.isNull == true)
        #expect(value(node, "b")?.isNull == true)
        #expect(value(node, "c")?.isNull == true)
        #expect(value(node, "d")?.isNull == true)
        #expect(value(node, "e")?.isNull == false)
    }

    @Test func emptyAndCommentOnlyDocumentsAreEmptyMappings() throws {
        #expect(try parse("") == map([]))
        #expect(try parse("\n\n   \n") == map([]))
        #expect(try parse("# only a comment\n  # another\n") == map([]))
        #expect(try parse("---\n") == map([]))
    }

    @Test func aLeadingByteOrderMarkIsIgnored() throws {
        let node = try parse("\u{FEFF}a: 1\nb:\n  - x\n")
        #expect(node == map([("a", plain("1")), ("b", seq([plain("x")]))]))
    }

    @Test
    func crlfLineEndingsAreAccepted() throws {
        let node = try parse("a: 1\r\nb:\r\n  - x\r\n")
        #expect(node == map([("a", plain("1")), ("b", seq([plain("x")]))]))
    }

    @Test func aLeadingDocumentMarkerIsAllowedButASecondDocumentIsNot() throws {
        #expect(try parse("---\na: 1\n") == map([("a", plain("1"))]))
        #expect(yamlError("a: 1\n---\nb: 2\n")?.line == 2)
        #expect(yamlError("a: 1\n...\n")?.line == 2)
    }

    @Test func anEmptySequenceItemIsAnEmptyScalar() throws {
        #expect(try parse("l:\n  -\n  - x\n") == map([("l", seq([plain(""), plain("x")]))]))
    }

    @Test func quotedKeysAreUnquoted() throws {
        let node = try parse("\"odd key\": 1\n'x:y': 2\n")
        #expect(value(node, "odd key") == plain("1"))
        #expect(value(node, "x:y") == plain("2"))
    }

    @Test
    func aDoubledSingleQuoteDoesNotEndTheStringForComments() throws {
        let node = try parse("a: 'it''s # not a comment'\n")
        #expect(value(node, "a") == quoted("it's # not a comment"))
    }

    @Test
    func anEscapedDoubleQuoteDoesNotEndTheStringForComments() throws {
        let node = try parse(#"a: "say \"hi\" # not a comment""# + "\n")
        #expect(value(node, "a") == quoted(#"say "hi" # not a comment"#))
    }

    @Test
    func anchorsTagsAndBlockScalarsAsValuesAreRejected() {
        for text in ["a: &anchor value\n", "a: *alias\n", "a: !!str 5\n", "a: |\n", "a: >-\n", "- &x item\n"] {
            #expect(yamlError(text)?.line == 1, "\(text)")
        }
    }
}
