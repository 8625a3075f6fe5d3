import ArgumentParser
import HostFS
import Inventory

struct MountsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mounts",
        abstract: "Which running container mounts which volume, where.",
        discussion: HelpText.paragraphs(
            """
            Reads /proc/<pid>/mountinfo of every container in a pod's cgroup (one per container, by the \
            container id in its cgroup path: its lowest pid) and matches its mounts to the volumes in the \
            index. Pod and container names come from the kubelet's pod directory and crictl \
            (kubernetes.crictl_command, or k3s crictl ps -o json on a k3s node); what is not known is null, \
            never guessed.
            """)
    )

    @OptionGroup var global: GlobalOptions

    @Flag(
        help:
            "Print a JSON array (keys: namespace pvc volume_path container_path pod_uid pod pod_namespace container pid read_only)."
    )
    var json = false

    func run() throws {
        let context = try Context(global)
        let inventory = try context.inventoryForReading(refresh: false)
        let volumes: [VolumeRecord]
        do { volumes = try inventory.volumes() } catch { throw AgentError(error) }
        let finder = context.containerMounts()
        let mounts = finder.scan(volumes: volumes, containers: finder.containers())
        if json {
            Output.out(
                JSONWriter.lines(mounts) { w, m in
                    w.object { w in
                        w.field("namespace", m.namespace)
                        w.field("pvc", m.pvc)
                        w.field("volume_path", m.volumePath)
                        w.field("container_path", m.containerPath)
                        w.field("pod_uid", m.podUID)
                        w.field("pod", m.pod)
                        w.field("pod_namespace", m.podNamespace)
                        w.field("container", m.container)
                        w.field("pid", m.pid)
                        if let ro = m.readOnly {
                            w.field("read_only", ro)
                        } else {
                            w.field("read_only", nil as String?)
                        }
                    }
                })
        } else {
            var table = Table(["PVC", "CONTAINER-PATH", "POD", "CONTAINER", "PID", "RO", "VOLUME"])
            for m in mounts {
                table.append([
                    m.namespace.map { "\($0)/\(m.pvc ?? "-")" } ?? "-", m.containerPath,
                    m.pod.map { "\(m.podNamespace ?? "?")/\($0)" } ?? (m.podUID ?? "-"), m.container ?? "-",
                    String(m.pid),
                    m.readOnly == true ? "ro" : "rw", m.volumePath,
                ])
            }
            Output.out(table.render())
        }
        if mounts.isEmpty { throw AgentError(.failed, "no running container mounts a known volume") }
    }
}
