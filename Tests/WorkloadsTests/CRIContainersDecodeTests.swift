import PVCResolver
import Testing
import Workloads

@Suite struct CRIContainersDecodeTests {
    let id = String(repeating: "ab", count: 32)

    func parse(_ text: String) throws -> CRIContainers { try CRIContainers.parse(Array(text.utf8)) }

    @Test func readsTheKubeletLabelsOfEachContainer() throws {
        let cri = try parse(
            #"""
            {"containers": [
              {"id": "\#(id)", "podSandboxId": "x", "metadata": {"name": "app", "attempt": 0},
               "labels": {"io.kubernetes.container.name": "observer", "io.kubernetes.pod.name": "observer-0",
                          "io.kubernetes.pod.namespace": "observer-prod", "io.kubernetes.pod.uid": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"},
               "state": "CONTAINER_RUNNING", "createdAt": "1770076800000000000"},
              {"id": "short", "metadata": {"name": "sidecar"}},
              {"metadata": {"name": "no-id"}},
              {"id": 3}, 7, null
            ]}
            """#)
        #expect(cri.byID.count == 2)
        #expect(
            cri.byID[id]
                == CRIContainers.Entry(
                    podUID: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", pod: "observer-0", namespace: "observer-prod",
                    container: "observer"))
        // Without the kubelet's container-name label, the runtime's metadata name.
        #expect(cri.byID["short"] == CRIContainers.Entry(podUID: nil, pod: nil, namespace: nil, container: "sidecar"))
    }

    @Test func outputThatIsNotAContainerListIsAnError() throws {
        for text in ["", "[]", #"{"items": []}"#, #"{"containers": {}}"#, "FATA[0000] connect: no such file"] {
            #expect(throws: JSONError.self, "\(text)") { try parse(text) }
        }
        let error = #expect(throws: JSONError.self) { try parse(#"{"containers": null}"#) }
        #expect(error?.description == #"no "containers" array: not crictl ps -o json"#)
        #expect(try parse(#"{"containers": []}"#).byID.isEmpty)
    }
}
