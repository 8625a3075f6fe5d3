import HostFS

/// Why a configured command's output was not used. The caller words the warning: it knows
/// which setting named the command.
package enum CommandProblem: Sendable {
    /// The command could not start, failed or ran out of time or output.
    case failed(ExternalCommand.Failure)
    /// It ran, but its output is not what the command should print.
    case unreadable(JSONError)
}

/// The volumes on this node now: the storage roots, the PV list (when a command for it is
/// given and works; directory names otherwise), configured paths and the kubelet's pod volumes.
package enum NodeVolumes {
    /// - Parameters:
    ///   - pvCommand: a shell command printing `kubectl get pv -o json`, or nil.
    ///   - capacities: bytes by `namespace/pvc`, for volumes whose PV gives none.
    ///   - warn: told when the PV list could not be had; resolving goes on without it.
    package static func resolve(
        roots: [String], pattern: PathPattern?, configured: [ConfiguredPath], pvCommand: String?,
        capacities: [String: Int64], kubeletRoot: String = PodIdentity.defaultKubeletRoot,
        warn: (CommandProblem) -> Void
    ) -> Resolution {
        let pvs = pvCommand.flatMap { persistentVolumes(command: $0, warn: warn) }
        var resolution = Resolver(
            roots: roots, pattern: pattern, configured: configured, persistentVolumes: pvs,
            kubelet: KubeletVolumes(kubeletRoot: kubeletRoot).discover(persistentVolumes: pvs)
        ).resolve()
        for i in resolution.volumes.indices where resolution.volumes[i].capacity == nil {
            resolution.volumes[i].capacity = resolution.volumes[i].claim.flatMap { capacities[$0] }
        }
        return resolution
    }

    /// The PV list the command prints, or nil (and a warning) when it fails or prints something else.
    static func persistentVolumes(command: String, warn: (CommandProblem) -> Void) -> [PersistentVolume]? {
        let output: [UInt8]
        do {
            output = try ExternalCommand.run(command)
        } catch {
            warn(.failed(error))
            return nil
        }
        do {
            return try PersistentVolume.parseList(output)
        } catch {
            warn(.unreadable(error))
            return nil
        }
    }
}
