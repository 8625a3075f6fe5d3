import HostFS
import PVCResolver

/// Where container names come from besides the kubelet's pod directory.
package enum CRISource: Sendable, Equatable {
    /// `kubernetes.crictl_command`, run through `/bin/sh -c` (the config is trusted for it).
    case command(String)
    /// The built-in default when the config sets no command: `<executable> crictl ps -o json`,
    /// run without a shell, when that file exists (every k3s node has it).
    case k3s(executable: String)
    /// Nothing: names from the kubelet's pod directory only.
    case none

    /// Where the k3s installer puts the binary.
    package static let k3sExecutable = "/usr/local/bin/k3s"

    /// The command line as shown in warnings and `doctor`.
    package var shown: String? {
        switch self {
        case .command(let c): c
        case .k3s(let executable): "\(executable) crictl ps -o json"
        case .none: nil
        }
    }
}

/// What asking the container runtime gave, for `doctor`'s hints.
package enum CRIAnswer: Sendable, Equatable {
    /// No command was configured and there is no k3s binary.
    case notAsked
    /// The command listed this many containers.
    case answered(command: String, containers: Int)
    /// The command did not run, failed or printed something else.
    case failed(command: String, reason: String)
}

extension CRIContainers {
    /// Runs `source` and reads its output. `warn` hears why it gave nothing, except that there
    /// was nothing to run (no command and no k3s binary).
    package static func ask(_ source: CRISource, warn: (CommandProblem) -> Void) -> (CRIContainers, CRIAnswer) {
        let output: [UInt8]
        let shown = source.shown ?? ""
        do throws(ExternalCommand.Failure) {
            switch source {
            case .none: return (CRIContainers(), .notAsked)
            case .command(let command): output = try ExternalCommand.run(command)
            case .k3s(let executable):
                switch check(executable) {
                case .missing: return (CRIContainers(), .notAsked)
                case .refused(let why): throw ExternalCommand.Failure(command: shown, reason: why)
                case .usable: output = try ExternalCommand.run(arguments: [executable, "crictl", "ps", "-o", "json"])
                }
            }
        } catch {
            warn(.failed(error))
            return (CRIContainers(), .failed(command: shown, reason: error.reason))
        }
        do {
            let cri = try parse(output)
            return (cri, .answered(command: shown, containers: cri.byID.count))
        } catch {
            warn(.unreadable(error))
            return (CRIContainers(), .failed(command: shown, reason: "printed no crictl ps -o json (\(error))"))
        }
    }

    enum ExecutableCheck: Equatable {
        case usable, missing
        case refused(String)
    }

    /// The built-in k3s binary is run when it is a regular, executable file owned by root and
    /// writable by root alone; a missing one means this is not a k3s node.
    static func check(_ path: String) -> ExecutableCheck {
        let st: FileStat
        do {
            st = try Descriptor.openPath(path, followSymlinks: true).stat()
        } catch {
            return error.code == .noEntry ? .missing : .refused("cannot be checked: \(error.message)")
        }
        guard st.isRegular, st.permissions & 0o111 != 0 else { return .refused("is not an executable file") }
        guard st.uid == 0, st.permissions & 0o022 == 0 else {
            return .refused("is not owned by root and writable by root alone: not run")
        }
        return .usable
    }
}
