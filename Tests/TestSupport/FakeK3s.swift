import Foundation
import Glibc

/// A stand-in for `/usr/local/bin/k3s` at a test's own path, for the built-in crictl default: a
/// shell script that records its arguments (one a line) and prints `output` as `k3s crictl ps -o
/// json` would, then exits with `status`. The agent is pointed at it through its settings, never
/// through a config key.
package struct FakeK3s {
    package let path: String
    package var argumentsFile: String { path + ".args" }

    package init(in dir: String, output: String, status: Int32 = 0, mode: mode_t = 0o755) {
        path = dir + "/k3s"
        try! output.write(toFile: path + ".json", atomically: false, encoding: .utf8)
        let script = """
            #!/bin/sh
            printf '%s\\n' "$@" > '\(argumentsFile)'
            cat '\(path).json'
            exit \(status)

            """
        try! script.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, mode)
    }

    /// What it was run with, or nil when it never ran.
    package var arguments: String? { try? String(contentsOfFile: argumentsFile, encoding: .utf8) }

    /// `crictl ps -o json` listing one running container with the kubelet's labels.
    package static func crictl(id: String, podUID: String, pod: String, namespace: String, container: String)
        -> String
    {
        """
        {"containers": [{"id": "\(id)", "podSandboxId": "5a9d", "metadata": {"name": "\(container)"},
          "state": "CONTAINER_RUNNING",
          "labels": {"io.kubernetes.container.name": "\(container)", "io.kubernetes.pod.name": "\(pod)",
                     "io.kubernetes.pod.namespace": "\(namespace)", "io.kubernetes.pod.uid": "\(podUID)"}}]}
        """
    }
}
