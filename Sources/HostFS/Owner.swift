/// A numeric owner, `uid:gid`.
package struct Owner: Sendable, Equatable, CustomStringConvertible {
    package var uid: UInt32
    package var gid: UInt32

    package init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
    }

    package var description: String { "\(uid):\(gid)" }
}
