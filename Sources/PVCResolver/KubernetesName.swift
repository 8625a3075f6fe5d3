/// Validation of the names Kubernetes allows, so a directory name that is not one is ignored.
package enum KubernetesName {
    /// RFC 1123 label: 1-63 of [a-z0-9-], starting and ending alphanumeric (namespaces).
    package static func isLabel<S: StringProtocol>(_ s: S) -> Bool {
        let u = Array(s.utf8)
        guard (1...63).contains(u.count), isAlnum(u.first!), isAlnum(u.last!) else { return false }
        return u.allSatisfy { isAlnum($0) || $0 == 0x2D }
    }

    /// RFC 1123 subdomain: 1-253 of [a-z0-9.-], dot-separated labels (PVC and PV names).
    package static func isSubdomain<S: StringProtocol>(_ s: S) -> Bool {
        guard (1...253).contains(s.utf8.count) else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isLabel($0) }
    }

    /// A lowercase RFC 4122 UUID as Kubernetes writes object UIDs.
    package static func isUID<S: StringProtocol>(_ s: S) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 36 else { return false }
        for (i, c) in u.enumerated() {
            if [8, 13, 18, 23].contains(i) {
                guard c == 0x2D else { return false }
            } else {
                guard (0x30...0x39).contains(c) || (0x61...0x66).contains(c) else { return false }
            }
        }
        return true
    }

    static func isAlnum(_ c: UInt8) -> Bool { (0x30...0x39).contains(c) || (0x61...0x7A).contains(c) }
}

/// What a local-path-provisioner directory name says about its volume.
package struct DirectoryName: Sendable, Equatable {
    package var pv: String
    package var namespace: String?
    package var pvc: String?

    /// `pvc-<uid>_<namespace>_<pvc>` (v0.0.13+) or legacy `pvc-<uid>`; nil for anything else.
    package static func parse(_ name: String) -> DirectoryName? {
        let parts = name.split(separator: "_", omittingEmptySubsequences: false)
        guard let first = parts.first, first.hasPrefix("pvc-"), KubernetesName.isUID(first.dropFirst(4)) else {
            return nil
        }
        switch parts.count {
        case 1:
            return DirectoryName(pv: String(first), namespace: nil, pvc: nil)
        case 3 where KubernetesName.isLabel(parts[1]) && KubernetesName.isSubdomain(parts[2]):
            return DirectoryName(pv: String(first), namespace: String(parts[1]), pvc: String(parts[2]))
        default:
            return nil
        }
    }
}
