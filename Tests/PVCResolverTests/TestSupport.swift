import Glibc
import HostFS
import PVCResolver
import Testing

/// A fresh directory under /tmp, made with mkdtemp(3); `remove()` deletes it with `rm -rf`,
/// which never follows symlinks, so a link planted by a test can never lead the cleanup out.
final class TempDir {
    let path: String

    init(_ label: String = "pvcresolver-test") throws {
        var template = Array("/tmp/\(label).XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw SystemError("mkdtemp", path: "/tmp") }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func sub(_ name: String) -> String { path + "/" + name }

    func remove() { removeTree(path) }
}

/// `rm -rf -- path` through posix_spawn(3); waits for it.
func removeTree(_ path: String) {
    precondition(path.hasPrefix("/tmp/") && path.count > 5, "refusing to remove \(path)")
    let args = ["rm", "-rf", "--", path]
    var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var pid = pid_t()
    guard posix_spawn(&pid, "/bin/rm", nil, nil, &argv, environ) == 0 else { return }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
}

func writeFile(_ path: String, _ text: String = "") throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw SystemError("open", path: path) }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, bytes.count) }) == bytes.count else {
        throw SystemError("write", path: path)
    }
}

/// mkdir -p
func makeDirectories(_ path: String) throws {
    var current = ""
    for part in path.split(separator: "/") {
        current += "/" + part
        if mkdir(current, 0o755) != 0 && errno != EEXIST { throw SystemError("mkdir", path: current) }
    }
}

func makeSymlink(_ path: String, to target: String) throws {
    guard symlink(target, path) == 0 else { throw SystemError("symlink", path: path) }
}

/// Sets a path's access and modification time to `seconds` since the epoch.
func setModificationTime(_ path: String, seconds: Int) throws {
    var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
    guard utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
        throw SystemError("utimensat", path: path)
    }
}

/// Sleeps long enough that the next file system object is born in a later second.
func sleepPastASecond() {
    var request = timespec(tv_sec: 1, tv_nsec: 100_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

/// Object UIDs as Kubernetes writes them.
enum UID {
    static let logs = "3a60a238-a7b1-45b5-9d1d-cfd3a23701da"
    static let data = "0b5c7f9e-1111-4222-8333-444455556666"
    static let db = "7e8f9a0b-c1d2-4e3f-a4b5-c6d7e8f90a1b"
    static let old = "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9"
    static let legacy = "9c8b7a65-4321-4fed-8cba-0987654321fe"
}

/// `<pvName>_<namespace>_<pvcName>` as local-path-provisioner names its directories.
func volumeDirectoryName(_ uid: String, _ namespace: String, _ pvc: String) -> String {
    "pvc-\(uid)_\(namespace)_\(pvc)"
}

/// One PV object in the shape `kubectl get pv -o json` prints for local-path-provisioner.
/// `source` is "hostPath" (upstream default), "local" (k3s default since 2024) or "csi".
func pvObject(
    uid: String, namespace: String?, pvc: String?, path: String, source: String = "hostPath",
    created: String = "2026-02-03T00:00:00Z", capacity: String = "20Gi", node: String = "observer-node-1"
) -> String {
    let claim =
        if let namespace, let pvc {
            """
                    "claimRef": {
                        "apiVersion": "v1",
                        "kind": "PersistentVolumeClaim",
                        "name": "\(pvc)",
                        "namespace": "\(namespace)",
                        "resourceVersion": "4711",
                        "uid": "\(uid)"
                    },

            """
        } else { "" }
    let volumeSource: String
    switch source {
    case "local":
        volumeSource = """
                    "local": {
                        "path": "\(path)"
                    },
                    "nodeAffinity": {
                        "required": {
                            "nodeSelectorTerms": [
                                {
                                    "matchExpressions": [
                                        {
                                            "key": "kubernetes.io/hostname",
                                            "operator": "In",
                                            "values": [
                                                "\(node)"
                                            ]
                                        }
                                    ]
                                }
                            ]
                        }
                    },
            """
    case "csi":
        volumeSource = """
                    "csi": {
                        "driver": "ebs.csi.aws.com",
                        "fsType": "ext4",
                        "volumeHandle": "vol-0123456789abcdef0"
                    },
            """
    default:
        volumeSource = """
                    "hostPath": {
                        "path": "\(path)",
                        "type": "DirectoryOrCreate"
                    },
            """
    }
    return """
            {
                "apiVersion": "v1",
                "kind": "PersistentVolume",
                "metadata": {
                    "annotations": {
                        "local.path.provisioner/selected-node": "\(node)",
                        "pv.kubernetes.io/provisioned-by": "rancher.io/local-path"
                    },
                    "creationTimestamp": "\(created)",
                    "finalizers": [
                        "kubernetes.io/pv-protection"
                    ],
                    "name": "pvc-\(uid)",
                    "resourceVersion": "4712",
                    "uid": "5d1c0a4e-7b2f-4c3d-9e8f-0a1b2c3d4e5f"
                },
                "spec": {
                    "accessModes": [
                        "ReadWriteOnce"
                    ],
                    "capacity": {
                        "storage": "\(capacity)"
                    },
        \(claim)\(volumeSource)
                    "persistentVolumeReclaimPolicy": "Delete",
                    "storageClassName": "local-path",
                    "volumeMode": "Filesystem"
                },
                "status": {
                    "lastPhaseTransitionTime": "2026-02-03T00:00:05Z",
                    "phase": "Bound"
                }
            }
        """
}

/// A `v1/List` of PV objects, as `kubectl get pv -o json` prints it.
func pvList(_ items: [String]) -> String {
    """
    {
        "apiVersion": "v1",
        "items": [
    \(items.joined(separator: ",\n"))
        ],
        "kind": "List",
        "metadata": {
            "resourceVersion": ""
        }
    }

    """
}

func parsePVs(_ text: String) throws -> [PersistentVolume] {
    try PersistentVolume.parseList(Array(text.utf8))
}

extension Resolution {
    /// The volume whose path ends in `suffix`, when exactly one does.
    func volume(endingWith suffix: String) -> Volume? {
        let hits = volumes.filter { $0.path.hasSuffix("/" + suffix) }
        return hits.count == 1 ? hits[0] : nil
    }
}
