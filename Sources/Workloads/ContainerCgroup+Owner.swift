import HostFS

extension ContainerCgroup {
    /// Whether the pod cgroup a `/proc/<pid>/cgroup` file names is the node's, not a user's: every
    /// directory of it, from its hierarchy's mount down, is root's (opened by descriptor with
    /// O_NOFOLLOW). systemd delegates `user@UID.service` to its user, who may then make
    /// `.../user@UID.service/kubepods/besteffort/pod<uid>/<id>` and move into it: a path of the
    /// right shape under a prefix, but in directories the user owns. The kubelet's and the
    /// runtime's cgroups are made by root. `mounts` are the reader's own (`/proc/self/mountinfo`).
    package static func isRootOwned(_ text: [UInt8], mounts: [MountInfoEntry]) -> Bool {
        var checked = false
        for line in text.split(separator: 0x0A) {
            let parts = line.split(separator: 0x3A, maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, path(parts[2]) != nil else { continue }
            guard let mount = hierarchy(String(decoding: parts[1], as: UTF8.self), in: mounts),
                var dir = try? Descriptor.openDirectory(path: String(decoding: mount, as: UTF8.self)),
                (try? dir.stat())?.uid == 0
            else { return false }
            for segment in parts[2].dropFirst().split(separator: 0x2F) {
                guard let next = try? dir.openDirectory(name: String(decoding: segment, as: UTF8.self)),
                    (try? next.stat())?.uid == 0
                else { return false }
                dir = next
            }
            checked = true
        }
        return checked
    }

    /// Where the hierarchy of a cgroup line's controller field is mounted: the cgroup2 mount for
    /// an empty field (`0::`), else a cgroup (v1) mount whose options hold every controller named
    /// (`cpu,cpuacct`, `name=systemd`).
    static func hierarchy(_ controllers: String, in mounts: [MountInfoEntry]) -> [UInt8]? {
        if controllers.isEmpty { return mounts.first { $0.fsType == "cgroup2" }?.mountPoint }
        let wanted = Set(controllers.split(separator: ",").map(String.init))
        return mounts.first { m in
            m.fsType == "cgroup" && wanted.isSubset(of: Set(m.superOptions.map { String(decoding: $0, as: UTF8.self) }))
        }?.mountPoint
    }
}
