internal import Glibc

/// A file-name glob, matched with fnmatch(3) on the raw name bytes.
/// `*.ext` patterns, the common case, are matched as a plain suffix without calling fnmatch.
package struct Glob: Sendable, Equatable {
    package let pattern: String
    private let suffix: [UInt8]?

    /// Throws when the pattern is not a file-name glob (empty, or contains `/` or NUL).
    package init(_ pattern: String) throws(GlobError) {
        guard !pattern.isEmpty, !pattern.contains("/"), !pattern.utf8.contains(0) else {
            throw GlobError(pattern: pattern)
        }
        if !Self.isValid(pattern) { throw GlobError(pattern: pattern) }
        self.pattern = pattern
        let rest = pattern.utf8.dropFirst()
        if pattern.hasPrefix("*") && !rest.contains(where: { $0 == 0x2A || $0 == 0x3F || $0 == 0x5B || $0 == 0x5C }) {
            suffix = Array(rest)
        } else {
            suffix = nil
        }
    }

    /// fnmatch(3) without flags: `*` and `?` do not match a leading dot only when the pattern says so.
    package func matches(_ name: UnsafePointer<CChar>, length: Int) -> Bool {
        if let suffix {
            guard length >= suffix.count else { return false }
            return suffix.withUnsafeBytes { s in
                memcmp(name + (length - suffix.count), s.baseAddress!, suffix.count) == 0
            }
        }
        return fnmatch(pattern, name, 0) == 0
    }

    package func matches(_ name: String) -> Bool {
        name.withCString { matches($0, length: strlen($0)) }
    }

    /// Every `[` must close as fnmatch(3) reads it (a `]` right after `[`, `[!` or `[^` is literal);
    /// a trailing lone backslash is an error.
    static func isValid(_ pattern: String) -> Bool {
        let p = Array(pattern.utf8)
        var i = 0
        while i < p.count {
            switch p[i] {
            case 0x5C:
                guard i + 1 < p.count else { return false }
                i += 2
            case 0x5B:
                var j = i + 1
                if j < p.count, p[j] == 0x21 || p[j] == 0x5E { j += 1 }
                if j < p.count, p[j] == 0x5D { j += 1 }
                while j < p.count, p[j] != 0x5D { j += 1 }
                guard j < p.count else { return false }
                i = j + 1
            default:
                i += 1
            }
        }
        return true
    }
}

package struct GlobError: Error, Sendable {
    package let pattern: String
}
