import HostFS

extension Owner {
    /// `uid:gid` or `uid` (gid = uid), numeric.
    static func parse(_ s: String) -> Owner? {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let uid = UInt32(parts[0]), uid < UInt32.max else { return nil }
        guard parts.count == 2 else { return Owner(uid: uid, gid: uid) }
        guard let gid = UInt32(parts[1]), gid < UInt32.max else { return nil }
        return Owner(uid: uid, gid: gid)
    }
}
