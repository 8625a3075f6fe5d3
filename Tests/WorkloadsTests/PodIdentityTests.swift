import PVCResolver
import Testing

@testable import Workloads

@Suite struct PodIdentityTests {
    let uid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

    @Test func podNameIsTheLastNonLocalLineBeforeHostAliases() {
        let managed = """
            # Kubernetes-managed hosts file.
            127.0.0.1\tlocalhost
            ::1\tlocalhost ip6-localhost ip6-loopback
            fe00::0\tip6-localnet
            fe00::1\tip6-allnodes
            10.42.0.16\tpostgres-0.postgres.db-prod.svc.cluster.local\tpostgres-0

            # Entries added by HostAliases.
            10.0.0.1\tfoo.remote\tbar.remote
            """
        #expect(PodIdentity.podName(etcHosts: Array(managed.utf8)) == "postgres-0")
        let hostNetwork = "# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n10.0.0.5 node-1\n"
        #expect(PodIdentity.podName(etcHosts: Array(hostNetwork.utf8)) == nil)
        let onlyLocal = "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"
        #expect(PodIdentity.podName(etcHosts: Array(onlyLocal.utf8)) == nil)
        let hostile = "# Kubernetes-managed hosts file.\n10.42.0.9\tEvil\u{1b}[2J\n"
        #expect(PodIdentity.podName(etcHosts: Array(hostile.utf8)) == nil)
    }
}
