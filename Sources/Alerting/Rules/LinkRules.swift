/// A friendly link that is not as it should be, as the link manager found it.
package struct LinkProblem: Sendable, Equatable {
    package enum Kind: Sendable { case conflict, unreachable }

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
}

/// link-conflict and link-unreachable, for the links checked this cycle.
package enum LinkRules {
    package static let evaluates: Set<AlertScope> = [AlertScope(.linkConflict), AlertScope(.linkUnreachable)]

    package static func conditions(_ problems: [LinkProblem]) -> [AlertCondition] {
        problems.map { p in
            AlertCondition(
                type: p.kind == .conflict ? .linkConflict : .linkUnreachable, subject: p.link, namespace: p.namespace,
                pvc: p.pvc, volumePath: p.target, filePath: p.link,
                message: "Link \(p.link) for PVC \(p.namespace)/\(p.pvc): \(p.detail)")
        }
    }
}
