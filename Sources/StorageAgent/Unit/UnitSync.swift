import HostFS
import Inventory

/// What the configuration asks of systemd, made true with full privileges (the unit's
/// `ExecStartPre=+` and `ExecReload=+`, or `links --apply` from a root shell): the runtime drop-in
/// (writable directories, and what was exposed), one mount unit per linked volume (`Exposure`),
/// and the removal of the ACL entries earlier versions put on storage roots for links.
struct UnitSync {
    let config: Config
    /// What was done, a line each.
    var say: (String) -> Void
    var warn: (String) -> Void

    /// `volumes`: the index's, to find each link's current volume; nil when there is no index yet
    /// (nothing is exposed then: the daemon's first scan finds the volumes and restarts for them).
    func run(volumes: [VolumeRecord]?) throws(AgentError) {
        var grants = WritablePaths(config: config, warn: warn)
        grants.exposed = volumes.map { Exposure.wanted(config: config, volumes: $0) } ?? []
        let source = config.source ?? Config.defaultPath
        var changed = try writeDropIn(grants.dropIn(source: source))
        if changed {
            let shown = grants.paths.isEmpty ? "none" : grants.paths.joined(separator: ", ")
            say("writable for the unit: \(shown)")
        }
        changed = try syncMountUnits(grants.exposed, source: source) || changed
        if changed { try systemctl(["daemon-reload"]) }
        // Only what is not mounted yet: once mounted, systemd takes the mount's source device from
        // mountinfo and a start job would wait for that device's unit, which never comes up on a
        // node without udev (and fails the mount after 90 s).
        let unmounted = grants.exposed.filter { !$0.isMounted }
        if !unmounted.isEmpty {
            do {
                try systemctl(["start"] + unmounted.map(\.unitName))
            } catch {
                warn("the friendly links' volumes could not all be mounted: \(error.message)")
            }
        }
        removeOldACLEntries()
    }

    /// Everything `run` made, undone (the package's removal): mounts stopped, units and drop-in gone.
    func withdraw() throws(AgentError) {
        var changed = try writeDropIn(nil)
        changed = try syncMountUnits([], source: "") || changed
        if changed { try systemctl(["daemon-reload"]) }
    }

    // MARK: - The drop-in

    /// Writes (or, for nil, removes) the drop-in; whether it changed.
    private func writeDropIn(_ text: String?) throws(AgentError) -> Bool {
        let file = WritablePaths.dropInDirectory + "/" + WritablePaths.dropInName
        let onDisk: String? = try? readTextFile(file).get()
        guard text != onDisk else { return false }
        do {
            if let text {
                try HostPath.makeDirectory(WritablePaths.dropInDirectory, mode: 0o755)
                try Descriptor.openDirectory(path: WritablePaths.dropInDirectory).replaceFile(
                    named: WritablePaths.dropInName, temporary: ".\(WritablePaths.dropInName).new",
                    contents: Array(text.utf8), mode: 0o644)
            } else {
                try Descriptor.openDirectory(path: WritablePaths.dropInDirectory).removeFile(
                    named: WritablePaths.dropInName)
            }
        } catch {
            throw AgentError(.cannotCreate, "cannot write \(file): \(error.message)")
        }
        return true
    }

    // MARK: - Mount units

    /// Makes the exposure mount units exactly `wanted`: the ones no link needs any more, and the
    /// ones whose volume moved, are stopped (unmounted) first; whether a unit file changed.
    private func syncMountUnits(_ wanted: [Exposure], source: String) throws(AgentError) -> Bool {
        let directory: Descriptor
        do {
            try HostPath.makeDirectory(Exposure.unitDirectory, mode: 0o755)
            directory = try Descriptor.openDirectory(path: Exposure.unitDirectory)
        } catch {
            throw AgentError(.cannotCreate, "cannot open \(Exposure.unitDirectory): \(error.message)")
        }
        var present: [String: String] = [:]
        for name in ourUnitFiles(directory) {
            present[name] = (try? readTextFile(Exposure.unitDirectory + "/" + name).get()) ?? ""
        }
        let texts = Dictionary(wanted.map { ($0.unitName, $0.unit(configSource: source)) }) { a, _ in a }
        let stale = present.keys.filter { texts[$0] == nil }.sorted()
        let moved = present.keys.filter { texts[$0] != nil && texts[$0] != present[$0] }.sorted()
        if !(stale + moved).isEmpty {
            do { try systemctl(["stop"] + stale + moved) } catch { warn(error.message) }
        }
        for name in stale {
            do {
                try directory.removeFile(named: name)
                say("no link needs \(name) any more: unmounted and removed")
            } catch {
                throw AgentError(.cannotCreate, "cannot remove \(Exposure.unitDirectory)/\(name): \(error.message)")
            }
        }
        let points = try exposureRoot()
        for e in wanted where present[e.unitName] != texts[e.unitName] {
            do {
                try directory.replaceFile(
                    named: e.unitName, temporary: ".\(e.unitName).new",
                    contents: Array(texts[e.unitName, default: ""].utf8),
                    mode: 0o644)
                try? points.makeDirectory(named: e.name, mode: 0o755)
                say("exposing \(e.source) at \(e.path) (nosuid,nodev) for its friendly link")
            } catch {
                throw AgentError(
                    .cannotCreate, "cannot write \(Exposure.unitDirectory)/\(e.unitName): \(error.message)")
            }
        }
        // Mount points of exposures gone: empty directories once unmounted.
        let keep = Set(wanted.map(\.name))
        var gone: [String] = []
        try? points.forEachEntry { entry in
            let name = String(decoding: entry.nameBytes, as: UTF8.self)
            if entry.type == .directory && !keep.contains(name) { gone.append(name) }
        }
        for name in gone { try? points.removeDirectory(named: name) }
        return !stale.isEmpty || wanted.contains { present[$0.unitName] != texts[$0.unitName] }
    }

    /// The unit files of exposures in /run/systemd/system (by their name's prefix).
    private func ourUnitFiles(_ directory: Descriptor) -> [String] {
        var names: [String] = []
        try? directory.forEachEntry { entry in
            let name = String(decoding: entry.nameBytes, as: UTF8.self)
            if entry.type == .regular && name.hasPrefix(Exposure.unitPrefix) && name.hasSuffix(".mount") {
                names.append(name)
            }
        }
        return names.sorted()
    }

    /// /run/storage-agent/exposed, root's, 0755: the way to each mount point must be open to
    /// the links' users, and nothing in it is theirs to change.
    private func exposureRoot() throws(AgentError) -> Descriptor {
        let parent = String(Exposure.root[..<Exposure.root.lastIndex(of: "/")!])
        for dir in [parent, Exposure.root] {
            let st: FileStat
            do {
                try HostPath.makeDirectory(dir, mode: 0o755)
                let d = try Descriptor.openPath(dir, followSymlinks: false)
                st = try d.stat()
                if st.isDirectory && st.uid == 0 && st.permissions & 0o777 != 0o755 { try d.chmod(0o755) }
            } catch {
                throw AgentError(.cannotCreate, "cannot make \(dir): \(error.message)")
            }
            guard st.isDirectory, st.uid == 0, st.permissions & 0o022 == 0 else {
                throw AgentError(
                    .permission, "\(dir) is not a directory of root's alone; remove it (sudo rm -r \(dir)), then reload"
                )
            }
        }
        do { return try Descriptor.openDirectory(path: Exposure.root) } catch {
            throw AgentError(.cannotCreate, "cannot open \(Exposure.root): \(error.message)")
        }
    }

    // MARK: - ACL entries of earlier versions

    /// Earlier versions let a link's user through the 0700 storage root with a POSIX ACL entry
    /// (`u:<uid>:--x` on each blocking directory above the volume, `r-x` on the volume). A storage
    /// root keeps no entry for any user now; above it, and on its volumes, the entries of exactly
    /// those permissions go.
    private func removeOldACLEntries() {
        for root in config.storageRoots {
            var above = ""
            var ancestors: [String] = []
            for part in root.split(separator: "/").dropLast() {
                above += "/" + part
                ancestors.append(above)
            }
            for dir in ancestors { strip(dir) { $0.permissions == 1 } }
            strip(root) { _ in true }
            guard let rootDir = try? Descriptor.openDirectory(path: root) else { continue }
            var volumes: [String] = []
            try? rootDir.forEachEntry { entry in
                if entry.type == .directory { volumes.append(String(decoding: entry.nameBytes, as: UTF8.self)) }
            }
            for name in volumes {
                guard let volume = try? rootDir.openPath(named: name) else { continue }
                strip(volume, shown: root + "/" + RawName.safeLine(name), user: true) { $0.permissions == 5 }
            }
        }
    }

    private func strip(_ path: String, _ remove: (PosixACL.Entry) -> Bool) {
        guard let dir = try? Descriptor.openPath(path, followSymlinks: false) else { return }
        strip(dir, shown: path, user: false, remove)
    }

    /// `user`: only named user entries (a volume's group entries may be its team's own).
    private func strip(_ dir: Descriptor, shown: String, user: Bool = false, _ remove: (PosixACL.Entry) -> Bool) {
        guard let st = try? dir.stat(), st.isDirectory, var acl = try? dir.accessACL(mode: st.mode) else { return }
        let removed = acl.removeNamed { e in (e.tag == PosixACL.user || !user) && remove(e) }
        guard !removed.isEmpty else { return }
        let what = removed.map { e in
            "\(e.tag == PosixACL.user ? "u" : "g"):\(e.id):\(PosixACL.text(e.permissions))"
        }.joined(separator: ", ")
        do {
            try dir.setAccessACL(acl)
            say(
                "removed the ACL entries \(what) from \(shown): friendly links reach their volume through \(Exposure.root) now"
            )
        } catch {
            warn("cannot remove the ACL entries \(what) from \(shown): \(error.message)")
        }
    }

    // MARK: - systemctl

    private func systemctl(_ arguments: [String]) throws(AgentError) {
        var child = Subprocess(executable: "/bin/systemctl", arguments: ["systemctl"] + arguments)
        child.timeoutSeconds = 90
        child.capture = .standardError
        let outcome: Subprocess.Outcome
        do { outcome = try child.run() } catch {
            throw AgentError(.ioError, "cannot run systemctl \(arguments[0]): \(error.message)")
        }
        guard outcome.succeeded else {
            let said = String(decoding: outcome.output.prefix(400), as: UTF8.self).split(separator: "\n").first ?? ""
            throw AgentError(
                .ioError, "systemctl \(arguments.joined(separator: " ")) failed (\(outcome.termination)): \(said)")
        }
    }
}
