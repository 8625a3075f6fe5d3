import PVCResolver
import Testing

@testable import Workloads

@Suite struct CRIContainersTests {
    static let id = String(repeating: "ab12cd34", count: 8)

    @Test func crictlOutputGivesPodAndContainerNamesFromTheKubeletLabels() throws {
        let json = """
            {"containers": [
              {"id": "\(Self.id)", "metadata": {"name": "from-metadata"},
               "labels": {"io.kubernetes.pod.uid": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
                          "io.kubernetes.pod.name": "observer-0", "io.kubernetes.pod.namespace": "observer-prod",
                          "io.kubernetes.container.name": "observer"}},
              {"id": "short", "metadata": {"name": "sidecar"}},
              {"metadata": {"name": "no-id"}}
            ]}
            """
        let cri = try CRIContainers.parse(Array(json.utf8))
        #expect(cri.byID.count == 2, "an entry without an id is skipped")
        #expect(
            cri.byID[Self.id]
                == CRIContainers.Entry(
                    podUID: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", pod: "observer-0", namespace: "observer-prod",
                    container: "observer"))
        #expect(
            cri.byID["short"] == CRIContainers.Entry(podUID: nil, pod: nil, namespace: nil, container: "sidecar"),
            "metadata.name without labels")
    }

    @Test func outputWithoutAContainersArrayIsAnError() {
        #expect(throws: JSONError.self) { try CRIContainers.parse(Array(#"{"items": []}"#.utf8)) }
        #expect(throws: JSONError.self) { try CRIContainers.parse(Array("not json".utf8)) }
    }
}
