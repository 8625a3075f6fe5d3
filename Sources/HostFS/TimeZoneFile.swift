import Glibc

package enum TimeZoneFile {
    /// An IANA name such as `Asia/Seoul` with a compiled zone file (a regular file, not a directory).
    package static func exists(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("/"), !name.hasSuffix("/"), !name.contains("..") else { return false }
        var st = stat()
        return stat("/usr/share/zoneinfo/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }
}
