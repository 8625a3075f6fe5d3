import Alerting
import HostFS
import Journal

/// One friendly link and what is true about it.
struct LinkStatus: Sendable {
    /// The states of `storage-agent links` (a contract: only ever added to).
    enum State: String, Sendable {
        /// It points at the PVC's current volume and its owner can use it.
        case ok
        /// It (or a directory above it) does not exist yet.
        case missing
        /// It points at a stale or gone volume.
        case staleTarget = "stale-target"
        /// Something that is not storage-agent's is where the link or a directory above it
        /// should be; storage-agent never moves it.
        case conflict
        /// Its owner cannot get through to the target (not mounted yet, or the volume's mode).
        case unreachable
        /// A write the link needs was refused by the file system or the service's sandbox
        /// (read-only, permission, no room); nothing is in the way.
        case refused
    }

    var link: String
    /// The PVC's volume directory (where the data is).
    var target: String?
    /// The path the link points at: the volume's exposure (`Exposure.path`).
    var via: String?
    var namespace: String
    var pvc: String
    var owner: Owner?
    var state: State
    /// What is wrong, in words (empty when ok).
    var detail: String
    /// What the operator does to fix it, as a command or an action (empty when ok).
    var hint = ""

    /// What the alert rules see of it.
    var check: LinkProblem {
        let kind: LinkProblem.Kind =
            switch state {
            case .ok: .ok
            case .missing: .missing
            case .staleTarget: .staleTarget
            case .conflict: .conflict
            case .unreachable: .unreachable
            case .refused: .refused
            }
        return LinkProblem(kind: kind, link: link, target: target, namespace: namespace, pvc: pvc, detail: detail)
    }

    mutating func set(_ state: State, _ detail: String, hint: String) {
        self.state = state
        self.detail = detail
        self.hint = hint
    }

    // MARK: - Hints that fix the state they are given for

    static let apply = "sudo storage-agent links --apply"

    /// A thing in the way at `path`: links --apply never moves it, so the operator does.
    static func moveAside(_ path: String) -> String {
        "move it aside by hand (it may hold data): sudo mv \(shell(path)) \(shell(path + ".old")); then \(apply)"
    }

    /// The PVC has no directory to point at.
    func noVolume() -> String {
        "kubectl get pvc -n \(namespace) \(pvc); once its directory exists, \(Self.apply)"
    }

    /// A write refused inside the unit's sandbox succeeds from a root shell; refused there too,
    /// the file system itself is read-only or forbids it.
    static func refusedHint(_ directory: String) -> String {
        "\(apply) from a root shell (outside the service's sandbox); if it is refused there too, "
            + "the file system is read-only or forbids it: findmnt -T \(shell(directory))"
    }

    /// `path` quoted for a POSIX shell when it needs to be.
    static func shell(_ path: String) -> String {
        let plain = path.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || [0x2F, 0x2E, 0x2D, 0x5F, 0x2B, 0x3A, 0x40, 0x2C].contains(c)
        }
        return plain && !path.isEmpty ? path : "'" + path.replacingAll("'", with: "'\\''") + "'"
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}

/// What the daemon last logged of each link: the same conflict is logged once, not on every
/// reconcile, and again only when what is wrong changes.
struct LinkLog {
    private var said: [String: String] = [:]

    /// Logs what changed since the last report; returns the lines logged.
    @discardableResult
    mutating func report(_ statuses: [LinkStatus]) -> [String] {
        var seen: Set<String> = []
        var lines: [String] = []
        for s in statuses {
            seen.insert(s.link)
            let now = s.state == .ok ? "ok" : "\(s.state.rawValue): \(s.detail)"
            guard said[s.link] != now else { continue }
            if s.state != .ok {
                lines.append("link \(s.link): \(now); fix: \(s.hint)")
                Log.warning(lines.last!)
            } else if said[s.link] != nil {
                lines.append("link \(s.link): ok again")
                Log.info(lines.last!)
            }
            said[s.link] = now
        }
        said = said.filter { seen.contains($0.key) }
        return lines
    }
}
