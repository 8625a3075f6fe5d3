import PVCResolver
import Testing

@Suite struct JSONTests {
    func parse(_ text: String) throws -> JSON { try JSON.parse(Array(text.utf8)) }

    @Test func parsesNestedObjectsAndArrays() throws {
        let json = try parse(#"{"a": {"b": [1, {"c": null}, [true, false]]}, "d": "e", "empty": {}, "none": []}"#)
        #expect(
            json
                == .object([
                    "a": .object([
                        "b": .array([.number(1), .object(["c": .null]), .array([.bool(true), .bool(false)])])
                    ]),
                    "d": .string("e"), "empty": .object([:]), "none": .array([]),
                ]))
        #expect(json["a"]?["b"]?.array?.count == 3)
        #expect(json["d"]?.string == "e")
        #expect(json["missing"] == nil)
        #expect(json["d"]?["x"] == nil)
        #expect(json["a"]?.string == nil)
    }

    @Test func parsesNumbers() throws {
        #expect(try parse("0") == .number(0))
        #expect(try parse("-12") == .number(-12))
        #expect(try parse("3.25") == .number(3.25))
        #expect(try parse("1e3") == .number(1000))
        #expect(try parse("-2.5E-2") == .number(-0.025))
        #expect(try parse("21474836480") == .number(21_474_836_480))
        #expect(try parse("[1,2 , 3]") == .array([.number(1), .number(2), .number(3)]))
    }

    @Test func parsesLiteralsAndSurroundingWhitespace() throws {
        #expect(try parse(" \n\t true \r\n") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse("null") == .null)
    }

    @Test func decodesStringEscapes() throws {
        #expect(try parse(#""a\"b\\c\/d""#) == .string("a\"b\\c/d"))
        #expect(try parse(#""\b\f\n\r\t""#) == .string("\u{8}\u{C}\n\r\t"))
        #expect(try parse(#""caf\u00e9 \u00E9""#) == .string("café é"))
        #expect(try parse(#""\uad00\uce21""#) == .string("관측"))
        #expect(try parse(#""\u0000x""#) == .string("\u{0}x"))
    }

    @Test func decodesSurrogatePairs() throws {
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""x\uD83D\uDCC8y""#) == .string("x📈y"))
    }

    @Test func loneSurrogatesBecomeTheReplacementCharacter() throws {
        #expect(try parse(#""\ud83d""#) == .string("\u{FFFD}"))
        #expect(try parse(#""\ude00x""#) == .string("\u{FFFD}x"))
    }

    @Test func rawUTF8PassesThrough() throws {
        #expect(try parse(#"{"name": "관측기 📈"}"#)["name"]?.string == "관측기 📈")
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        #expect(try parse(#"{"a": 1, "a": 2}"#)["a"] == .number(2))
    }

    @Test func rejectsTrailingGarbage() {
        for text in [#"{"a": 1} x"#, "{}{}", "[1] ]", "true false", "nullx", "1 2"] {
            #expect(throws: JSONError.self, "\(text)") { try parse(text) }
        }
        let error = #expect(throws: JSONError.self) { try parse(#"{"a": 1} x"#) }
        #expect(error?.offset == 9)
        #expect(error?.reason == "trailing characters")
    }

    @Test func rejectsRawControlCharactersInStrings() {
        for text in ["\"a\nb\"", "\"tab\there\"", "\"\u{1}\"", "\"\u{1F}\""] {
            let error = #expect(throws: JSONError.self, "\(text.debugDescription)") { try parse(text) }
            #expect(error?.reason == "control character in string")
        }
    }

    @Test func rejectsMalformedDocuments() {
        for text in [
            "", "   ", "{", "[", "[1,]", #"{"a":1,}"#, #"{"a" 1}"#, #"{a: 1}"#, #"{"a":}"#, #""unterminated"#,
            #""bad \x escape""#, #""\u12""#, #""\uZZZZ""#, "tru", "nul", "-", "[1 2]", #"{"a":1 "b":2}"#, "'single'",
        ] {
            #expect(throws: JSONError.self, "\(text)") { try parse(text) }
        }
    }

    @Test func rejectsDocumentsNestedTooDeeply() throws {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: JSONError.self) { try parse(deep) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(try parse(fine).array?.count == 1)
    }

    @Test func errorsDescribeTheOffset() {
        let error = #expect(throws: JSONError.self) { try parse("[1, ?]") }
        #expect(error?.offset == 4)
        #expect(error?.description.hasPrefix("invalid JSON at byte 4") == true)
    }

    @Test
    func rejectsNumbersRFC8259Forbids() {
        for text in ["+1", "01", ".5", "1.", "-.5", "1e+", "1.e5", "--1", "1-2"] {
            #expect(throws: JSONError.self, "\(text)") { try parse(text) }
        }
    }

    @Test
    func aHighSurrogateFollowedByANonSurrogateEscapeIsNotCombined() throws {
        // Today this input crashes the process instead of throwing or decoding.
        #expect(try parse(#""\ud800\u0041""#) == .string("\u{FFFD}A"))
        #expect(try parse(#""\ud83d\u00e9x""#) == .string("\u{FFFD}éx"))
        // No crash here, but U+10400 comes out instead of U+FFFD U+E000.
        #expect(try parse(#""\ud800\ue000""#) == .string("\u{FFFD}\u{E000}"))
    }

    @Test
    func rejectsSignedUnicodeEscapes() {
        for text in [#""\u+041""#, #""\u-000""#] {
            #expect(throws: JSONError.self, "\(text)") { try parse(text) }
        }
    }
}
