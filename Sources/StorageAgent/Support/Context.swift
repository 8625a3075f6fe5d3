import HostFS
import Inventory
import PVCResolver
import Workloads

/// What every command needs: the effective configuration and a way to the index.
struct Context: Sendable {
    var config: Config
    /// `--storage-root` was given: a reload keeps these roots.
    var storageRootsFromCommandLine = false

    /// Why the config file was not used (`readingIndex`): commands that need it fail with this.
    var configProblem: AgentError?

    /// `readingIndex`: the command only reads the index, so a broken config file is a one-line
    /// warning and the built-in defaults (with `--db`) are used, unless a scan turns out to be needed.
    init(_ options: GlobalOptions, readingIndex: Bool = false) throws(AgentError) {
        try self.init(
            configPath: options.config, database: options.db, storageRoots: options.storageRoot,
            readingIndex: readingIndex)
    }

    init(configPath: String?, database: String?, storageRoots: [String], readingIndex: Bool = false)
        throws(AgentError)
    {
        try Self.refuseUntrustedUnderSudo(configPath: configPath, database: database)
        do {
            config = try Config.load(path: configPath)
        } catch  where readingIndex && error.code == .config {
            config = Config()
            configProblem = error
        }
        if let database { config.database = Self.absolute(database) }
        if let configProblem {
            let what = configProblem.message.split(separator: ";").first.map(String.init) ?? configProblem.message
            Self.warn(
                "\(what); reading the index \(config.database) with built-in defaults (storage-agent check-config lists every error)"
            )
        }
        if !storageRoots.isEmpty {
            config.storageRoots = storageRoots.map(Self.absolute)
            storageRootsFromCommandLine = true
        }
    }

    /// Under sudo (real uid 0 with `SUDO_UID` set), a user could name their own file: a config whose
    /// commands, roots and index root would then use, or an index path in their own directory. Both
    /// must be root-owned files in directories only root can write (or not exist there yet).
    static func refuseUntrustedUnderSudo(configPath: String?, database: String?) throws(AgentError) {
        guard Credentials.userID == 0, CurrentProcess.environment("SUDO_UID") != nil else { return }
        for (option, path) in [("--config", configPath), ("--db", database)] {
            guard let path, let why = RootTrust.pathProblem(absolute(path)) else { continue }
            throw AgentError(
                .permission,
                "\(option) \(path) refused under sudo: \(why); under sudo, --config and --db must name root-owned files in directories only root can write"
            )
        }
    }

    /// A path from the command line, relative to the working directory when not absolute.
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        guard let cwd = CurrentProcess.workingDirectory() else { return path }
        return (cwd == "/" ? "" : cwd) + "/" + (path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
    }

    /// One warning line; what a tenant wrote in it (a path) cannot break the line.
    static func warn(_ message: String) { Output.err("storage-agent: warning: \(RawName.safeLine(message))\n") }

    /// Volumes as the disk (and the PV list, when configured and reachable) says now.
    func resolve() -> Resolution {
        // For a claim named twice, the first `volumes:` entry with a capacity wins.
        let capacities = config.volumes.compactMap { v in v.capacity.map { (v.claim, $0) } }
        return NodeVolumes.resolve(
            roots: config.storageRoots, pattern: config.pathPattern,
            configured: config.volumes.compactMap { v in
                v.path.map { ConfiguredPath(path: $0, namespace: v.namespace, pvc: v.pvc) }
            },
            pvCommand: config.pvCommand,
            capacities: Dictionary(capacities, uniquingKeysWith: { first, _ in first })
        ) { problem in
            switch problem {
            case .failed(let error): Self.warn("kubernetes.pv_command \(error); using directory names")
            case .unreadable(let error):
                Self.warn("kubernetes.pv_command output is not a PV list (\(error)); using directory names")
            }
        }
    }

    /// Running containers' mounts, with names from `kubernetes.crictl_command` or, when it is
    /// not set, from `k3s crictl ps -o json` on a k3s node.
    func containerMounts() -> ContainerMounts {
        let source = config.criSource
        let what = config.crictlCommand == nil ? "the default crictl command" : "kubernetes.crictl_command"
        return ContainerMounts.discover(source) { problem in
            switch problem {
            case .failed(let error):
                Self.warn("\(what) \(error); container names from the kubelet directory only")
            case .unreadable(let error):
                Self.warn("\(what) output is not crictl ps -o json (\(error))")
            }
        }
    }

    /// The writable-layer scanner, with the container runtime's names from `finder`.
    func ephemeralScanner(_ finder: ContainerMounts) -> EphemeralScanner {
        var scanner = config.ephemeralScanner
        scanner.cri = finder.cri
        return scanner
    }

    /// Fails when nothing at all could be read; otherwise reports unreadable roots as warnings.
    func check(_ resolution: Resolution) throws(AgentError) {
        let problems = resolution.problems
        guard !problems.isEmpty else { return }
        if resolution.volumes.isEmpty && problems.count >= config.storageRoots.count {
            let first = problems[0]
            if first.error.isPermission {
                throw AgentError(
                    .permission, "cannot read storage root \(first.path): permission denied; run with sudo")
            }
            if first.error.isVanished {
                throw AgentError(
                    .missingInput,
                    "storage root \(first.path) does not exist; check storage_roots in \(config.source ?? Config.defaultPath) or pass --storage-root"
                )
            }
            throw AgentError(.ioError, "cannot read storage root \(first.path): \(first.error.message)")
        }
        for p in problems { Self.warn("cannot read \(p.path): \(p.error.message); volumes there are not indexed") }
    }

    func openInventory() throws(AgentError) -> Inventory {
        do {
            let inventory = try Inventory(path: config.database)
            if let aside = inventory.movedAside {
                Self.warn("index \(config.database) was damaged; moved aside to \(aside) and rebuilt")
            }
            return inventory
        } catch {
            throw AgentError(error)
        }
    }

    var scanOptions: ScanOptions {
        ScanOptions(include: config.include, tracks: config.trackNames, maxDepth: config.maxDepth)
    }

    /// Resolves and scans once, reporting skipped parts on stderr.
    @discardableResult
    func scan(_ inventory: Inventory) throws(AgentError) -> ScanReport {
        let resolution = resolve()
        try check(resolution)
        let report: ScanReport
        // Progress on a terminal's stderr (never piped, never under systemd).
        let line = ProgressLine.forStderr()
        do {
            var options = scanOptions
            options.meter = line?.meter
            report = try inventory.scan(
                resolution, options: options, wakeEveryNs: ProgressLine.intervalNs, progress: line.map { l in l.update }
            )
        } catch {
            line?.clear()
            throw AgentError(error)
        }
        line?.clear()
        for skipped in report.skipped { Self.warn("skipped \(skipped.path): \(skipped.reason)") }
        return report
    }

    /// The index, scanned first when it does not exist yet or when asked to refresh.
    func inventoryForReading(refresh: Bool) throws(AgentError) -> Inventory {
        let existed = Inventory.exists(at: config.database)
        let inventory = try openInventory()
        if refresh || !existed || (try? inventory.lastScanTime()) == nil {
            // Scanning needs the roots, tracks and globs of the file that could not be read.
            if let configProblem { throw configProblem }
            try scan(inventory)
        }
        return inventory
    }
}

extension AgentError {
    /// The index error, with the command line's way around it where there is one.
    init(_ error: InventoryError) {
        switch error.kind {
        case .locked: self.init(.ioError, error.description)
        case .corrupt: self.init(.badData, error.description)
        case .newerSchema: self.init(.badData, error.description + " or pass --db with another file")
        case .permissionDenied, .untrustedDirectory: self.init(.permission, error.description)
        case .notAFile: self.init(.cannotCreate, error.description)
        case .cannotCreate: self.init(.cannotCreate, error.description + " or pass --db")
        case .io, .cancelled: self.init(.ioError, error.description)
        }
    }
}
