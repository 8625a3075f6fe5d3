import Journal

/// The command worker's jobs (pv_command, crictl_command off the loop thread) and their answers.
extension Daemon {
    /// Starts the waiting job when the worker is free: a full scan's, else the tick's crictl.
    func startCommands() {
        guard !commands.busy else { return }
        let context = self.context
        if fullScanReason != nil {
            fullScanJobRunning = true
            commands.start { CommandAnswers(resolution: context.resolve(), containers: context.containerMounts()) }
        } else if containersWanted {
            containersWanted = false
            commands.start { CommandAnswers(resolution: nil, containers: context.containerMounts()) }
        }
    }

    /// The worker is done: its names are kept, and a full scan waiting for it runs now.
    func commandsAnswered() {
        guard let answers = commands.take() else { return }
        containers = answers.containers
        if fullScanJobRunning, let resolution = answers.resolution {
            fullScanJobRunning = false
            let reason = fullScanReason ?? "reconcile"
            fullScanReason = fullScanAgain
            fullScanAgain = nil
            fullScan(reason: reason, resolution: resolution)
            if !readySent && !stopRequested {
                readySent = true
                systemd.ready(status: status())
                Log.info("ready: \(status())")
            }
        }
        startCommands()
    }
}
