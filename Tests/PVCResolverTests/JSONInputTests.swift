import PVCResolver
import Testing

/// The checks before `JSONDecoder` and the lenient field decoding command output goes through.
@Suite struct JSONInputTests {
    struct Text: Decodable, Equatable {
        var s: String?

        enum CodingKeys: String, CodingKey { case s }

        init(s: String?) { self.s = s }

        init(from decoder: any Decoder) throws { s = try decoder.container(keyedBy: CodingKeys.self).lenient(.s) }
    }

    struct Anything: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    func text(_ json: String) throws -> String? { try JSONInput.decode(Text.self, from: Array(json.utf8)).s }

    func accepts(_ json: String) throws { _ = try JSONInput.decode(Anything.self, from: Array(json.utf8)) }

    @Test func aHugeFlatArrayIsRefusedBeforeTheDecoderHoldsANodePerElement() throws {
        // 60 MB of a command's output costs about 900 MB once decoded: refused up front.
        var bytes = Array("[".utf8)
        bytes.reserveCapacity(1_200_004)
        for _ in 0..<600_000 { bytes += [0x30, 0x2C] }
        bytes += [0x30, 0x5D]
        do {
            _ = try JSONInput.decode(Anything.self, from: bytes)
            Issue.record("a 600,001-element array was decoded")
        } catch {
            #expect(error.reason == "more than 500000 elements")
            #expect(error.offset == 1_000_000)  // the 500,000th comma, after the opening bracket
        }
        // Strings may hold commas: only separators outside strings count.
        try accepts("[\"" + String(repeating: ",", count: 600_000) + "\"]")
    }

    @Test func decodesStringEscapesAndRawUTF8() throws {
        #expect(try text(#"{"s": "a\"b\\c\/d"}"#) == "a\"b\\c/d")
        #expect(try text(#"{"s": "\b\f\n\r\t"}"#) == "\u{8}\u{C}\n\r\t")
        #expect(try text(#"{"s": "caf\u00e9 \u00E9"}"#) == "café é")
        #expect(try text(#"{"s": "\uad00\uce21"}"#) == "관측")
        #expect(try text(#"{"s": "\u0000x"}"#) == "\u{0}x")
        #expect(try text(#"{"s": "\ud83d\ude00 x\uD83D\uDCC8y"}"#) == "😀 x📈y")
        #expect(try text(#"{"s": "관측기 📈"}"#) == "관측기 📈")
        #expect(try text(" \n\t {\"s\": \"x\"} \r\n") == "x")
    }

    @Test func fieldsOfAnotherTypeOrNullAreNil() throws {
        #expect(try text(#"{"s": 1}"#) == nil)
        #expect(try text(#"{"s": null}"#) == nil)
        #expect(try text(#"{"s": {"s": "x"}}"#) == nil)
        #expect(try text(#"{"t": "x"}"#) == nil)
        let list = try JSONInput.decode([Lenient<Text>].self, from: Array(#"[{"s": "a"}, 3, "x", {"s": "b"}]"#.utf8))
        #expect(list.map(\.value) == [Text(s: "a"), nil, nil, Text(s: "b")])
    }

    struct Strict: Decodable { var s: String }

    @Test(arguments: [
        #""\ud800\u0041""#, #""\ud83d\u00e9x""#, #""\ud800\ue000""#, #""\ud83d""#, #""\ude00x""#, #""\ud800\ud800""#,
        #""\udfff\ud800""#, #""bad \x escape""#, #""\uZZZZ""#, #""\u+041""#, #""\u-000""#,
    ])
    func badEscapesAreAnErrorOrNilNeverACrash(_ value: String) throws {
        // JSONDecoder unescapes a string when it is read: required, a lone surrogate or a bad
        // escape is an error; read leniently, the field is nil (the old parser's U+FFFD is not
        // needed: Go's encoding/json, behind kubectl and crictl, never writes a lone surrogate).
        let json = Array(#"{"s": \#(value)}"#.utf8)
        #expect(throws: JSONError.self) { try JSONInput.decode(Strict.self, from: json) }
        #expect(try JSONInput.decode(Text.self, from: json).s == nil)
        #expect(try text(#"{"s": "ok", "other": \#(value)}"#) == "ok")
    }

    @Test func unterminatedEscapesAreAnError() {
        for json in [#"{"s": "\ud800\"}"#, #"{"s": "\ud800\u"}"#, #"{"s": "\"#] {
            #expect(throws: JSONError.self, "\(json)") { try text(json) }
        }
    }

    @Test func rejectsTrailingGarbage() {
        for json in [#"{"s": "x"} x"#, "{}{}", "[1] ]", "true false", "nullx", "1 2"] {
            #expect(throws: JSONError.self, "\(json)") { try accepts(json) }
        }
    }

    @Test func rejectsRawControlCharactersInStringsWhereTheyAre() throws {
        for (json, offset) in [("\"a\nb\"", 2), ("\"tab\there\"", 4), ("\"\u{1}\"", 1), ("[\"\u{1F}\"]", 2)] {
            let error = #expect(throws: JSONError.self, "\(json.debugDescription)") { try accepts(json) }
            #expect(error?.reason == "control character in string")
            #expect(error?.offset == offset)
        }
        // Escaped, they are ordinary content; outside strings they are whitespace or an error.
        #expect(try text(#"{"s": "a\nb"}"#) == "a\nb")
        #expect(throws: JSONError.self) { try accepts("[1,\u{1}2]") }
    }

    @Test func rejectsMalformedDocuments() {
        for json in [
            "{", "[", #"{"a" 1}"#, #"{a: 1}"#, #"{"a":}"#, #""unterminated"#, #""\u12""#, "tru", "nul", "[1 2]",
            #"{"a":1 "b":2}"#, "'single'", "+1", ".5", "[,]", "{,}", "[1,,2]",
            "error: the server doesn't have a resource type \"pv\"\n",
        ] {
            let error = #expect(throws: JSONError.self, "\(json)") { try accepts(json) }
            #expect(error?.description.contains("JSON") == true, "\(json)")
        }
    }

    @Test func emptyOutputSaysSo() {
        for json in ["", "   ", "\n"] {
            let error = #expect(throws: JSONError.self) { try accepts(json) }
            #expect(error?.reason == "no JSON value (empty output)")
            #expect(error?.description.hasPrefix("invalid JSON at byte \(json.utf8.count)") == true)
        }
    }

    @Test func rejectsDocumentsNestedTooDeeplyBeforeDecoding() throws {
        let limit = JSONInput.maxDepth
        #expect(limit == 256)
        try accepts(String(repeating: "[", count: limit) + String(repeating: "]", count: limit))
        try accepts(String(repeating: #"{"a":"#, count: limit - 1) + "{}" + String(repeating: "}", count: limit - 1))
        for json in [
            String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1),
            String(repeating: "[", count: 100_000),
            String(repeating: #"{"a":["#, count: 200) + "1" + String(repeating: "]}", count: 200),
        ] {
            let error = #expect(throws: JSONError.self) { try accepts(json) }
            #expect(error?.reason == "nested too deeply")
            #expect(error?.offset != nil)
        }
        let error = #expect(throws: JSONError.self) {
            try accepts(String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1))
        }
        #expect(error?.offset == limit)
    }

    @Test func bracketsInsideStringsDoNotCount() throws {
        let brackets = String(repeating: "[{", count: 1_000)
        #expect(try text(#"{"s": "\#(brackets)"}"#) == brackets)
        #expect(try text(#"{"s": "\"[[[\\"}"#) == "\"[[[\\")
    }

    @Test func rejectsOutputLargerThanTheLimit() throws {
        let limit = JSONInput.maxBytes
        #expect(limit == 64 << 20)
        var big = Array(#"{"s": ""#.utf8)
        big += [UInt8](repeating: 0x61, count: limit - big.count - 2)
        big += Array(#""}"#.utf8)
        #expect(big.count == limit)
        #expect(try JSONInput.decode(Text.self, from: big).s?.utf8.count == limit - 9)
        big.insert(0x20, at: 0)
        let error = #expect(throws: JSONError.self) { try JSONInput.decode(Text.self, from: big) }
        #expect(error?.reason == "larger than \(limit) bytes")
    }

    @Test func errorsDescribeTheOffsetWhenKnown() {
        let known = JSONError(offset: 4, reason: "nested too deeply")
        #expect(known.description == "invalid JSON at byte 4: nested too deeply")
        let error = #expect(throws: JSONError.self) { try accepts("[1, ?]") }
        #expect(error?.offset == nil)
        #expect(error?.description == "invalid JSON (not well-formed)")
    }

    @Test func aDocumentOfTheWrongShapeNamesThePath() {
        let error = #expect(throws: JSONError.self) { try JSONInput.decode([String].self, from: Array("[1]".utf8)) }
        #expect(error?.description.hasPrefix("unexpected JSON at '") == true)
    }
}
