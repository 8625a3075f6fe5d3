import Glibc
import HostFS
import PVCResolver
import Testing

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
