import PVCResolver
import Testing

@Suite struct QuantityTests {
    @Test func binarySuffixesArePowersOf1024() {
        #expect(Quantity.bytes("20Gi") == 21_474_836_480)
        #expect(Quantity.bytes("512Mi") == 536_870_912)
        #expect(Quantity.bytes("1Ki") == 1024)
        #expect(Quantity.bytes("1Ti") == 1_099_511_627_776)
        #expect(Quantity.bytes("2Pi") == 2_251_799_813_685_248)
        #expect(Quantity.bytes("1Ei") == 1_152_921_504_606_846_976)
    }

    @Test func decimalSuffixesArePowersOf1000() {
        #expect(Quantity.bytes("5G") == 5_000_000_000)
        #expect(Quantity.bytes("100k") == 100_000)
        #expect(Quantity.bytes("100K") == 100_000)
        #expect(Quantity.bytes("3M") == 3_000_000)
        #expect(Quantity.bytes("2T") == 2_000_000_000_000)
        #expect(Quantity.bytes("1P") == 1_000_000_000_000_000)
        #expect(Quantity.bytes("1E") == 1_000_000_000_000_000_000)
    }

    @Test func plainNumbersAreBytes() {
        #expect(Quantity.bytes("1000") == 1000)
        #expect(Quantity.bytes("0") == 0)
        #expect(Quantity.bytes("21474836480") == 21_474_836_480)
    }

    @Test func fractionsAreAllowedAndRoundUp() {
        #expect(Quantity.bytes("1.5Gi") == 1_610_612_736)
        #expect(Quantity.bytes("0.5Ki") == 512)
        #expect(Quantity.bytes("1.0001k") == 1001)
        #expect(Quantity.bytes("2.5") == 3)
    }

    @Test func surroundingSpacesAreIgnored() {
        #expect(Quantity.bytes(" 20Gi ") == 21_474_836_480)
        #expect(Quantity.bytes("\t5G") == 5_000_000_000)
    }

    @Test func garbageIsNil() {
        for text in [
            "", "Gi", "abc", "-5Gi", "5GB", "5gi", "5 Gi", "1.2.3Gi", ".", "Gi20", "20Gix", "0x10", "+5Gi", "NaN",
            "inf", "٣Gi", "20Zi",
        ] {
            #expect(Quantity.bytes(text) == nil, "\(text)")
        }
    }

    @Test func valuesPastInt64AreNil() {
        #expect(Quantity.bytes("8Ei") == nil)
        #expect(Quantity.bytes("100E") == nil)
        #expect(Quantity.bytes("99999999999999999999") == nil)
    }

    @Test
    func decimalExponentsAreQuantities() {
        #expect(Quantity.bytes("5e9") == 5_000_000_000)
        #expect(Quantity.bytes("1E6") == 1_000_000)
        #expect(Quantity.bytes("1E") == 1_000_000_000_000_000_000)  // still exa
    }
}
