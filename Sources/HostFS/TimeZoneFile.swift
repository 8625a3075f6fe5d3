/// Compiled IANA time zones under /usr/share/zoneinfo.
package enum TimeZoneFile {
    /// An IANA name such as `Asia/Seoul` with a compiled zone file (a regular file, not a directory).
    package static func exists(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("/"), !name.hasSuffix("/"), !name.contains("..") else { return false }
        return FileStat(followingLinksAt: "/usr/share/zoneinfo/" + name)?.isRegular == true
    }
}
