import Journal

extension Daemon {
    /// A linked PVC's volume appeared, moved (the PVC was recreated) or went, or a link came or
    /// left: its mount is made by the unit's unit-sync, with privileges this sandboxed process
    /// does not have. Exit to be started again (75); the unit's `ExecStartPre=` mounts them.
    func restartIfExposuresChanged() -> Bool {
        guard let granted, let volumes = try? inventory.volumes() else { return false }
        let wanted = Exposure.wanted(config: context.config, volumes: volumes)
        guard wanted != granted.exposed else { return false }
        let shown = wanted.isEmpty ? "none" : wanted.map { "\($0.name) from \($0.source)" }.joined(separator: ", ")
        Log.notice("the friendly links need other volumes mounted (\(shown)); restarting so the service mounts them")
        exitStatus = 75
        stopRequested = true
        return true
    }
}
