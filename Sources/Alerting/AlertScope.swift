import Inventory

/// Which alerts of a type one rule family decides. A family that ran this cycle may resolve what
/// it no longer sees, but only within its scope: emptyDir and writable-layer `ephemeral-writes`
/// come from different families that run at different times.
package struct AlertScope: Hashable, Sendable {
    package enum Part: Hashable, Sendable {
        case all
        /// Alerts that carry a VOLUME_PATH.
        case withVolume
        /// Alerts that carry none.
        case withoutVolume
    }

    package var type: AlertType
    package var part: Part

    package init(_ type: AlertType, _ part: Part = .all) {
        self.type = type
        self.part = part
    }
}

extension Set where Element == AlertScope {
    /// Whether a family evaluated this cycle decides `record`.
    package func covers(_ record: AlertRecord, type: AlertType) -> Bool {
        contains(AlertScope(type)) || contains(AlertScope(type, record.path == nil ? .withoutVolume : .withVolume))
    }
}
