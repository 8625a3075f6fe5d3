import PVCResolver
import Testing

@Suite struct DirectoryNameTests {
    @Test func parsesTheObserverLogsDirectoryFromTheIncident() throws {
        let parsed = try #require(
            DirectoryName.parse("pvc-3a60a238-a7b1-45b5-9d1d-cfd3a23701da_observer-prod_observer-logs-pvc"))
        #expect(parsed.pv == "pvc-3a60a238-a7b1-45b5-9d1d-cfd3a23701da")
        #expect(parsed.namespace == "observer-prod")
        #expect(parsed.pvc == "observer-logs-pvc")
    }

    @Test func parsesTheLegacyPVOnlyName() throws {
        let parsed = try #require(DirectoryName.parse("pvc-3a60a238-a7b1-45b5-9d1d-cfd3a23701da"))
        #expect(parsed.pv == "pvc-3a60a238-a7b1-45b5-9d1d-cfd3a23701da")
        #expect(parsed.namespace == nil)
        #expect(parsed.pvc == nil)
    }

    @Test func acceptsDottedPVCNamesAndMaximalNamespaces() throws {
        let ns63 = String(repeating: "a", count: 62) + "1"
        let parsed = try #require(DirectoryName.parse("pvc-\(UID.data)_\(ns63)_data.v2"))
        #expect(parsed.namespace == ns63)
        #expect(parsed.pvc == "data.v2")
        #expect(DirectoryName.parse("pvc-\(UID.data)_0_1")?.pvc == "1")
    }

    @Test func rejectsUppercaseAnywhere() {
        #expect(DirectoryName.parse("pvc-3A60A238-A7B1-45B5-9D1D-CFD3A23701DA_observer-prod_observer-logs-pvc") == nil)
        #expect(DirectoryName.parse("PVC-3a60a238-a7b1-45b5-9d1d-cfd3a23701da_observer-prod_observer-logs-pvc") == nil)
        #expect(DirectoryName.parse("pvc-\(UID.logs)_Observer-prod_observer-logs-pvc") == nil)
        #expect(DirectoryName.parse("pvc-\(UID.logs)_observer-prod_Observer-logs-pvc") == nil)
    }

    @Test func rejectsTheWrongNumberOfParts() {
        #expect(DirectoryName.parse("pvc-\(UID.logs)_observer-prod") == nil)
        #expect(DirectoryName.parse("pvc-\(UID.logs)_observer-prod_observer_logs") == nil)
        #expect(DirectoryName.parse("pvc-\(UID.logs)_a_b_c") == nil)
    }

    @Test func rejectsUnderscoresInTheWrongPlaces() {
        for name in [
            "pvc-\(UID.logs)_", "pvc-\(UID.logs)__data", "pvc-\(UID.logs)_ns_", "_pvc-\(UID.logs)_ns_data",
            "pvc_\(UID.logs)_ns_data", "pvc-\(UID.logs)_ns__data", "pvc-\(UID.logs)_ns_data_",
        ] {
            #expect(DirectoryName.parse(name) == nil, "\(name)")
        }
    }

    @Test func rejectsBadUIDs() {
        for uid in [
            "3a60a238-a7b1-45b5-9d1d-cfd3a23701d",  // one short
            "3a60a238-a7b1-45b5-9d1d-cfd3a23701daa",  // one long
            "3a60a238a7b145b59d1dcfd3a23701da",  // no dashes
            "3a60a238-a7b1-45b5-9d1d-cfd3a23701dg",  // not hex
            "3a60a238_a7b1-45b5-9d1d-cfd3a23701da",
            "3a60a238-a7b1-45b5-9d1dc-fd3a23701da",  // dash moved
            "",
        ] {
            #expect(DirectoryName.parse("pvc-\(uid)_observer-prod_data") == nil, "\(uid)")
            #expect(DirectoryName.parse("pvc-\(uid)") == nil, "\(uid)")
        }
        #expect(DirectoryName.parse("pv-\(UID.logs)_observer-prod_data") == nil)
        #expect(DirectoryName.parse("\(UID.logs)_observer-prod_data") == nil)
    }

    @Test func rejectsLostAndFoundAndOrdinaryNames() {
        for name in ["lost+found", "", ".", "..", "observer-prod", "pvc-", "pvc", "data", "pvc-\(UID.logs)/x"] {
            #expect(DirectoryName.parse(name) == nil, "\(name)")
        }
    }

    @Test func rejectsA64CharacterNamespace() {
        let ns64 = String(repeating: "n", count: 64)
        #expect(DirectoryName.parse("pvc-\(UID.logs)_\(ns64)_data") == nil)
        #expect(DirectoryName.parse("pvc-\(UID.logs)_\(String(ns64.dropFirst()))_data") != nil)
    }

    @Test func rejectsNamespacesAndNamesThatAreNotRFC1123() {
        for (ns, pvc) in [
            ("-ns", "data"), ("ns-", "data"), ("n.s", "data"), ("ns", "-data"), ("ns", "data."), ("ns", ".data"),
            ("ns", "da..ta"), ("ns", "dätä"), ("n s", "data"),
        ] {
            #expect(DirectoryName.parse("pvc-\(UID.logs)_\(ns)_\(pvc)") == nil, "\(ns) \(pvc)")
        }
        let long =
            String(repeating: "a", count: 63) + "." + String(repeating: "b", count: 63) + "."
            + String(repeating: "c", count: 63) + "." + String(repeating: "d", count: 62)
        #expect(long.count == 254)
        #expect(DirectoryName.parse("pvc-\(UID.logs)_ns_\(long)") == nil)
        #expect(DirectoryName.parse("pvc-\(UID.logs)_ns_\(long.dropLast())") != nil)
    }
}

@Suite struct KubernetesNameTests {
    @Test func labelsAreOneTo63LowercaseAlphanumericsAndDashes() {
        #expect(KubernetesName.isLabel("observer-prod"))
        #expect(KubernetesName.isLabel("a"))
        #expect(KubernetesName.isLabel("0"))
        #expect(KubernetesName.isLabel(String(repeating: "x", count: 63)))
        #expect(!KubernetesName.isLabel(String(repeating: "x", count: 64)))
        #expect(!KubernetesName.isLabel(""))
        #expect(!KubernetesName.isLabel("-a"))
        #expect(!KubernetesName.isLabel("a-"))
        #expect(!KubernetesName.isLabel("a.b"))
        #expect(!KubernetesName.isLabel("A"))
        #expect(!KubernetesName.isLabel("관측"))
    }

    @Test func subdomainsAreDotSeparatedLabelsUpTo253() {
        #expect(KubernetesName.isSubdomain("observer-logs-pvc"))
        #expect(KubernetesName.isSubdomain("a.b.c"))
        #expect(!KubernetesName.isSubdomain("a..b"))
        #expect(!KubernetesName.isSubdomain(".a"))
        #expect(!KubernetesName.isSubdomain("a."))
        #expect(!KubernetesName.isSubdomain(""))
        #expect(!KubernetesName.isSubdomain("a_b"))
    }

    @Test func uidsAreLowercaseDashedUUIDs() {
        #expect(KubernetesName.isUID(UID.logs))
        #expect(!KubernetesName.isUID(UID.logs.uppercased()))
        #expect(!KubernetesName.isUID(String(UID.logs.dropLast())))
    }
}
