internal import FoundationEssentials

/// Command output decoded as JSON (`kubectl get pv -o json`, `crictl ps -o json`) with
/// FoundationEssentials' `JSONDecoder`, already linked through argument-parser (full Foundation
/// would add tens of megabytes of ICU). The input is checked first, so hostile or broken
/// output is a clean error: no more than `maxBytes`, no container nested deeper than
/// `maxDepth`, no raw control character inside a string (RFC 8259).
package enum JSONInput {
    /// The most `ExternalCommand.run` reads from a command by default.
    package static let maxBytes = 64 << 20
    /// Arrays and objects open at once; a PV list needs about six.
    package static let maxDepth = 256
    /// Values (array elements and object members, counted by their separators, plus
    /// containers): the decoder keeps a node for each, about 200 bytes, so this bounds its
    /// memory well under the unit's MemoryHigh. A node's PV list of a thousand PVs has about
    /// 60,000; 64 MiB of `[0,0,0,...]` would have 33 million.
    package static let maxElements = 500_000

    package static func decode<T: Decodable, C: Collection<UInt8>>(_ type: T.Type, from bytes: C)
        throws(JSONError) -> T
    {
        guard bytes.count <= maxBytes else {
            throw JSONError(offset: maxBytes, reason: "larger than \(maxBytes) bytes")
        }
        let data = Data(bytes)
        if let problem = data.withUnsafeBytes(check) { throw problem }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw JSONError(error)
        } catch {
            throw JSONError(offset: nil, reason: "invalid JSON (\(error))")
        }
    }

    /// One pass over the bytes: nesting depth and element count outside strings, control
    /// characters inside them.
    static func check(_ bytes: UnsafeRawBufferPointer) -> JSONError? {
        var depth = 0
        var elements = 0
        var inString = false
        var escaped = false
        var empty = true
        for (offset, byte) in bytes.enumerated() {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == 0x5C {
                    escaped = true
                } else if byte == 0x22 {
                    inString = false
                } else if byte < 0x20 {
                    return JSONError(offset: offset, reason: "control character in string")
                }
                continue
            }
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case 0x22: inString = true
            case 0x5B, 0x7B:
                depth += 1
                elements += 1
                guard depth <= maxDepth else { return JSONError(offset: offset, reason: "nested too deeply") }
                guard elements <= maxElements else {
                    return JSONError(offset: offset, reason: "more than \(maxElements) elements")
                }
            case 0x2C:
                elements += 1
                guard elements <= maxElements else {
                    return JSONError(offset: offset, reason: "more than \(maxElements) elements")
                }
            case 0x5D, 0x7D: depth = max(0, depth - 1)
            default: break
            }
            empty = false
        }
        return empty ? JSONError(offset: bytes.count, reason: "no JSON value (empty output)") : nil
    }
}

/// Why command output could not be used: where in the input, when known, and what is wrong.
package struct JSONError: Error, Sendable, CustomStringConvertible {
    /// The byte the input check stopped at; nil when the decoder, which does not say, found it.
    package let offset: Int?
    package let reason: String

    package init(offset: Int?, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    init(_ error: DecodingError) {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            self.init(offset: nil, reason: "invalid JSON (not well-formed)")
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context),
            .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            self.init(offset: nil, reason: "unexpected JSON at '\(path)': \(context.debugDescription)")
        @unknown default:
            self.init(offset: nil, reason: "invalid JSON (\(error))")
        }
    }

    package var description: String { offset.map { "invalid JSON at byte \($0): \(reason)" } ?? reason }
}

/// Fields read leniently: a missing key, `null` or a value of another type is nil, as it is for
/// the agent (a PV whose name is a number is not a PV it can index).
extension KeyedDecodingContainer {
    package func lenient<T: Decodable>(_ key: Key) -> T? {
        (try? decodeIfPresent(T.self, forKey: key)) ?? nil
    }
}

/// An array element that decodes to nil instead of failing the whole array.
package struct Lenient<Wrapped: Decodable>: Decodable {
    package let value: Wrapped?

    package init(from decoder: any Decoder) throws { value = try? Wrapped(from: decoder) }
}
