import Alerting
import HostFS
import Inventory
import PVCResolver
import Workloads

/// The node-side runbook (seed 003), one command, no Kubernetes API needed.
struct Doctor {
    let config: Config
    let resolution: Resolution
    let inventory: Inventory
    /// Age of the index's last scan before doctor's own, in seconds (nil: never scanned).
    let indexAge: Int64?
    let now: Int64
    /// Running containers' mounts (names from crictl: configured, or k3s's by default).
    var containerMounts = ContainerMounts()

    func run() throws(InventoryError) -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        checks += storageRoots()
        let volumes = try inventory.volumes()
        checks += expectedVolumes(volumes)
        checks += strandedData(volumes)
        checks += ownershipAndWriteTests()
        checks += links(volumes)
        checks += freeSpace()
        checks += capacity(volumes)
        let containers = containerMounts.containers()
        checks.append(ephemeral())
        checks += mounts(volumes, containers)
        checks += containerNamespaces(containers)
        checks.append(indexFreshness())
        checks.append(journal())
        checks += recentWrites(try inventory.trackLastWrites(), volumes)
        checks += try persistence(volumes)
        return checks
    }
}
