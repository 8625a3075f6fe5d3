import HostFS
import Testing

@Suite struct RawNameTests {
    @Test func printableASCIIIsUnchanged() {
        let name = Array("scalp_20260203_09.jsonl".utf8)
        #expect(RawName.decoded(name) == "scalp_20260203_09.jsonl")
        #expect(RawName.display(name) == "scalp_20260203_09.jsonl")
    }

    @Test func validUTF8IsKept() {
        let korean = "관측기_시세_20260203.jsonl"
        #expect(RawName.decoded(Array(korean.utf8)) == korean)
        #expect(RawName.display(Array(korean.utf8)) == korean)
        let emoji = "📈 résumé.log"
        #expect(RawName.decoded(Array(emoji.utf8)) == emoji)
    }

    @Test func aLiteralBackslashIsDoubledSoItNeverReadsAsAnEscape() {
        #expect(RawName.decoded(Array("bad\\xff.jsonl".utf8)) == "bad\\\\xff.jsonl")
        #expect(RawName.decoded(Array("bad".utf8) + [0xFF] + Array(".jsonl".utf8)) == "bad\\xff.jsonl")
        #expect(RawName.display(Array("a\\b".utf8)) == "a\\\\b")
    }

    @Test func anInvalidByteBecomesFourCharactersOfLowercaseHex() {
        let name: [UInt8] = Array("caf".utf8) + [0xE9] + Array(".log".utf8)
        let decoded = RawName.decoded(name)
        #expect(decoded == "caf\\xe9.log")
        #expect(decoded.count == 3 + 4 + 4)
        #expect(RawName.display(name) == "caf\\xe9.log")
        #expect(RawName.decoded([0xFF]) == "\\xff")
        #expect(RawName.decoded([0xAB, 0xCD]) == "\\xab\\xcd")
    }

    @Test func overlongSequencesAreEscapedByteByByte() {
        // "/" encoded overlong in 2 and 3 bytes, NUL overlong in 2 bytes.
        #expect(RawName.decoded([0xC0, 0xAF]) == "\\xc0\\xaf")
        #expect(RawName.decoded([0xC1, 0xBF]) == "\\xc1\\xbf")
        #expect(RawName.decoded([0xE0, 0x80, 0xAF]) == "\\xe0\\x80\\xaf")
        #expect(RawName.decoded([0xF0, 0x80, 0x80, 0xAF]) == "\\xf0\\x80\\x80\\xaf")
        #expect(RawName.decoded([0xC0, 0x80]) == "\\xc0\\x80")
    }

    @Test func surrogatesAndValuesPastTheUnicodeRangeAreEscapedByteByByte() {
        // U+D800 and U+DFFF as CESU-style 3-byte sequences.
        #expect(RawName.decoded([0xED, 0xA0, 0x80]) == "\\xed\\xa0\\x80")
        #expect(RawName.decoded([0xED, 0xBF, 0xBF]) == "\\xed\\xbf\\xbf")
        // U+D7FF, the last scalar before the surrogates, is valid.
        #expect(RawName.decoded([0xED, 0x9F, 0xBF]) == "\u{D7FF}")
        // U+110000 and the never-valid lead bytes F5..FF.
        #expect(RawName.decoded([0xF4, 0x90, 0x80, 0x80]) == "\\xf4\\x90\\x80\\x80")
        #expect(RawName.decoded([0xF5, 0x80, 0x80, 0x80]) == "\\xf5\\x80\\x80\\x80")
        // U+10FFFF, the last scalar, is valid.
        #expect(RawName.decoded([0xF4, 0x8F, 0xBF, 0xBF]) == "\u{10FFFF}")
    }

    @Test func truncatedSequencesEscapeOnlyTheirOwnBytes() {
        #expect(RawName.decoded([0xE2, 0x82]) == "\\xe2\\x82")
        #expect(RawName.decoded([0xE2, 0x82, 0x41]) == "\\xe2\\x82A")
        // A stray continuation byte between valid text.
        #expect(RawName.decoded(Array("a".utf8) + [0x80] + Array("한".utf8)) == "a\\x80한")
        // Lead byte followed by the start of a valid sequence: the valid one survives.
        #expect(RawName.decoded([0xE2] + Array("€".utf8)) == "\\xe2€")
    }

    @Test func newlineIsKeptWhenDecodedButEscapedForDisplay() {
        let name = Array("evil\nname.jsonl".utf8)
        #expect(RawName.decoded(name) == "evil\nname.jsonl")
        #expect(RawName.display(name) == "evil\\x0aname.jsonl")
    }

    @Test func displayEscapesEveryControlCharacter() {
        #expect(RawName.display(Array("a\tb".utf8)) == "a\\x09b")
        #expect(RawName.display([0x1B] + Array("[31mred".utf8)) == "\\x1b[31mred")
        #expect(RawName.display(Array("del\u{7F}".utf8)) == "del\\x7f")
        #expect(RawName.display(Array("cr\r".utf8)) == "cr\\x0d")
        // C1 control U+0085 (NEL) is two UTF-8 bytes; both are shown.
        #expect(RawName.display([0x41, 0xC2, 0x85]) == "A\\xc2\\x85")
        #expect(RawName.decoded([0x41, 0xC2, 0x85]) == "A\u{85}")
        // U+00A0 just past the C1 range is not a control.
        #expect(RawName.display([0xC2, 0xA0]) == "\u{A0}")
    }

    @Test func decodedKeepsControlsForJSONToEscape() {
        #expect(RawName.decoded(Array("a\tb\u{1B}".utf8)) == "a\tb\u{1B}")
    }

    @Test func displayEscapesInvalidBytesAndControlsTogether() {
        let name: [UInt8] = [0xE9, 0x0A] + Array("관".utf8) + [0xFF]
        #expect(RawName.display(name) == "\\xe9\\x0a관\\xff")
        #expect(RawName.decoded(name) == "\\xe9\n관\\xff")
    }

    @Test func emptyNameIsEmpty() {
        #expect(RawName.decoded([UInt8]()) == "")
        #expect(RawName.display([UInt8]()) == "")
    }
}
