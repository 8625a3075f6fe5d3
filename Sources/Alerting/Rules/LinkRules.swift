/// A friendly link as the link manager found it this cycle.
package struct LinkProblem: Sendable, Equatable {
    /// The link states of `storage-agent links` (a contract: only ever added to).
    package enum Kind: String, Sendable {
        case ok, missing, conflict, unreachable, refused
        case staleTarget = "stale-target"
    }

    package var kind: Kind
    package var link: String
    package var target: String?
    package var namespace: String
    package var pvc: String
    package var detail: String

    package init(kind: Kind, link: String, target: String?, namespace: String, pvc: String, detail: String) {
        self.kind = kind
        self.link = link
        self.target = target
        self.namespace = namespace
        self.pvc = pvc
        self.detail = detail
    }

    /// The alert this state raises: something in the way is a conflict; a link its owner cannot
    /// use (its volume is not mounted for it, or a write the link needs was refused) is unreachable.
    var alert: AlertType? {
        switch kind {
        case .conflict: .linkConflict
        case .unreachable, .refused: .linkUnreachable
        case .ok, .missing, .staleTarget: nil
        }
    }
}

/// link-conflict and link-unreachable, for the links checked this cycle.
package enum LinkRules {
    package static let evaluates: Set<AlertScope> = [AlertScope(.linkConflict), AlertScope(.linkUnreachable)]

    /// `links` may hold every checked link; only conflicts, refused and unreachable ones alert.
    package static func conditions(_ links: [LinkProblem]) -> [AlertCondition] {
        links.compactMap { p in
            p.alert.map { type in
                AlertCondition(
                    type: type, subject: p.link, namespace: p.namespace, pvc: p.pvc, volumePath: p.target,
                    filePath: p.link, message: "Link \(p.link) for PVC \(p.namespace)/\(p.pvc): \(p.detail)")
            }
        }
    }

    /// What a resolved link alert says, from the link's state now (for the engine's
    /// `resolvedMessages`): "works again" only when it does.
    package static func resolvedMessages(_ links: [LinkProblem]) -> [String: String] {
        var out: [String: String] = [:]
        for p in links {
            let name = "the friendly path \(p.link) for PVC \(p.namespace)/\(p.pvc)"
            let now = p.kind == .ok ? "" : "; it is \(p.kind.rawValue) now"
            out[AlertEngine.key(AlertType.linkConflict.rawValue, p.link)] =
                p.kind == .ok
                ? "Nothing is in the way of \(name) any more: it works again"
                : "Nothing is in the way of \(name) any more\(now)"
            out[AlertEngine.key(AlertType.linkUnreachable.rawValue, p.link)] =
                p.kind == .ok
                ? "The friendly path \(p.link) for PVC \(p.namespace)/\(p.pvc) works again"
                : "\(name.prefix(1).uppercased() + name.dropFirst()) is no longer refused or unreachable\(now)"
        }
        return out
    }
}
