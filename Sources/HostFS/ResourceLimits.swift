internal import Glibc

package enum ResourceLimits {
    /// setrlimit(2): raise the soft RLIMIT_NOFILE to the hard limit. A walk holds one descriptor
    /// per ancestor with unvisited siblings, so deep and wide trees need more than 1024.
    package static func raiseOpenFiles() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
