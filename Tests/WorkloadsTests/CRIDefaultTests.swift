import Foundation
import Glibc
import HostFS
import PVCResolver
import TestSupport
import Testing

@testable import Workloads

/// Container names from the runtime: `kubernetes.crictl_command` through the shell, or by
/// default `k3s crictl ps -o json` run directly, only when the k3s binary is there and only root
/// can change it.
@Suite struct CRIDefaultTests {
    static let uid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    static let id = String(repeating: "ab12cd34", count: 8)
    static let listing = FakeK3s.crictl(
        id: id, podUID: uid, pod: "observer-0", namespace: "observer-prod", container: "observer")

    func ask(_ source: CRISource) -> (CRIContainers, CRIAnswer, [String]) {
        var warnings: [String] = []
        let (cri, answer) = CRIContainers.ask(source) { problem in
            switch problem {
            case .failed(let e): warnings.append("\(e)")
            case .unreadable(let e): warnings.append("\(e)")
            }
        }
        return (cri, answer, warnings)
    }

    @Test func withoutAK3sBinaryNothingIsAskedAndNothingSaid() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let (cri, answer, warnings) = ask(.k3s(executable: dir.sub("k3s")))
        #expect(answer == .notAsked && cri.byID.isEmpty && warnings.isEmpty)
        #expect(ask(.none).1 == .notAsked)
    }

    @Test func theDefaultRunsK3sCrictlPsJSONWithoutAShell() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let k3s = FakeK3s(in: dir.path, output: Self.listing)
        let (cri, answer, warnings) = ask(.k3s(executable: k3s.path))
        #expect(warnings.isEmpty)
        #expect(answer == .answered(command: "\(k3s.path) crictl ps -o json", containers: 1))
        #expect(k3s.arguments == "crictl\nps\n-o\njson\n")
        #expect(
            cri.byID[Self.id]
                == CRIContainers.Entry(
                    podUID: Self.uid, pod: "observer-0", namespace: "observer-prod", container: "observer"))
        #expect(cri.byPodUID[Self.uid]?.namespace == "observer-prod" && cri.byPodUID[Self.uid]?.container == nil)
    }

    @Test func aK3sThatOthersCanChangeIsNeverRun() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let writable = FakeK3s(in: dir.path, output: Self.listing, mode: 0o775)
        let (_, answer, warnings) = ask(.k3s(executable: writable.path))
        #expect(writable.arguments == nil, "not run")
        #expect(
            answer
                == .failed(
                    command: "\(writable.path) crictl ps -o json",
                    reason: "is not owned by root and writable by root alone: not run"))
        #expect(warnings.count == 1)
        chmod(writable.path, 0o755)
        #expect(chown(writable.path, 1000, 1000) == 0)
        #expect(
            ask(.k3s(executable: writable.path)).1
                != .answered(command: "\(writable.path) crictl ps -o json", containers: 1))
        #expect(writable.arguments == nil, "owned by another user: not run")
        #expect(mkdir(dir.sub("dir"), 0o755) == 0)
        #expect(
            ask(.k3s(executable: dir.sub("dir"))).1
                == .failed(command: "\(dir.sub("dir")) crictl ps -o json", reason: "is not an executable file"))
    }

    @Test func aFailingOrWrongAnswerIsWarnedAboutAndGivesNoNames() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let failing = FakeK3s(in: dir.path, output: Self.listing, status: 1)
        let (cri, answer, warnings) = ask(.k3s(executable: failing.path))
        #expect(cri.byID.isEmpty && warnings == ["'\(failing.path) crictl ps -o json' exited with status 1"])
        #expect(answer == .failed(command: "\(failing.path) crictl ps -o json", reason: "exited with status 1"))
        let wrong = FakeK3s(in: dir.path, output: #"{"items": []}"#)
        if case .failed = ask(.k3s(executable: wrong.path)).1 {} else { Issue.record("not crictl output") }
    }

    @Test func aConfiguredCommandRunsThroughTheShell() {
        let (cri, answer, warnings) = ask(
            .command("printf '%s' '\(Self.listing.replacingOccurrences(of: "\n", with: " "))'"))
        #expect(warnings.isEmpty && cri.byID.count == 1)
        if case .answered(_, 1) = answer {} else { Issue.record("\(answer)") }
    }

    @Test func labelsThatAreNoKubernetesNamesAreUnknown() throws {
        let json = """
            {"containers": [{"id": "\(Self.id)", "labels": {"io.kubernetes.pod.uid": "../../etc",
              "io.kubernetes.pod.name": "Evil\\u001b[2J", "io.kubernetes.pod.namespace": "a/b",
              "io.kubernetes.container.name": "x\\ny"}}]}
            """
        let cri = try CRIContainers.parse(Array(json.utf8))
        #expect(cri.byID[Self.id] == CRIContainers.Entry(podUID: nil, pod: nil, namespace: nil, container: nil))
        #expect(cri.byPodUID.isEmpty)
    }
}
