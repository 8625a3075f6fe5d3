import HostFS

/// One `volumes:` entry: settings for a PVC found elsewhere (`pvc:`), or a volume by path (`path:` + `name:`).
struct VolumeConfig: Sendable, Equatable {
    var namespace: String
    var pvc: String
    var path: String?
    var expect = false
    var mount: String?
    var link: String?
    var fixOwnership = false
    var owner: Owner?
    var capacity: Int64?
    var line: Int

    var claim: String { "\(namespace)/\(pvc)" }
}
