import Foundation
import Glibc
import TestSupport
import Testing

/// Issue 12, items 4 and 5: what a user who can write a file or a directory, or who may run
/// `sudo storage-agent query *`, can make root do. Real files, chowned to a real uid.
@Suite struct PrivilegeTests {
    /// A uid that is not root (the first user Debian creates; no account is needed to own files).
    static let user: UInt32 = 1000

    func expectOneLine(
        _ r: CLIResult, _ status: Int32, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(r.status == status, "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("storage-agent: "), "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
        for f in fragments { #expect(r.stderr.contains(f), "\(r.stderr)", sourceLocation: sourceLocation) }
    }

    func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    func contents(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The environment of a `sudo storage-agent ...` run by `user`.
    var sudo: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["SUDO_UID"] = "\(Self.user)"
        env["SUDO_GID"] = "\(Self.user)"
        env["SUDO_USER"] = "someone"
        return env
    }

    // MARK: item 4, commands only from a file root can trust

    /// A config whose pv_command would leave `marker` behind if it ran.
    func commandConfig(_ marker: String) -> String { "kubernetes:\n  pv_command: touch \(marker)\n" }

    @Test func aCommandFromAUsersConfigFileIsAConfigErrorAndNeverRuns() throws {
        let box = CLISandbox()
        let marker = box.dir + "/ran"
        let config = box.dir + "/config.yaml"
        box.write(config, commandConfig(marker))
        chown(config, Self.user, Self.user)
        let r = CLI.run(["--config", config, "--db", box.db, "--storage-root", box.root, "scan"])
        expectOneLine(r, 78, ["config.yaml:2: kubernetes.pv_command", config, "owned by uid 1000"])
        #expect(!exists(marker))
        // check-config says the same, with the line.
        let check = CLI.run(["check-config", config])
        #expect(check.status == 78)
        #expect(
            check.stderr.contains("\(config):2: kubernetes.pv_command is not taken from \(config)"), "\(check.stderr)")
        // The same file without commands is fine: only commands need a root-owned file.
        box.write(config, "index:\n  rescan_interval: 60s\n")
        chown(config, Self.user, Self.user)
        #expect(CLI.run(["--config", config, "--db", box.db, "--storage-root", box.root, "scan"]).status == 0)
    }

    @Test func aGroupOrWorldWritableConfigGivesNoCommands() throws {
        let box = CLISandbox()
        let marker = box.dir + "/ran"
        let config = box.dir + "/config.yaml"
        for (mode, why) in [(0o664, "group-writable"), (0o646, "world-writable")] {
            box.write(config, "kubernetes:\n  crictl_command: touch \(marker)\n")
            chmod(config, mode_t(mode))
            let r = CLI.run(["--config", config, "--db", box.db, "--storage-root", box.root, "mounts"])
            expectOneLine(r, 78, ["kubernetes.crictl_command", why])
            #expect(!exists(marker))
        }
    }

    @Test func aRootOwnedConfigInADirectoryOthersCanWriteGivesNoCommands() throws {
        let box = CLISandbox()
        let marker = box.dir + "/ran"
        let open = box.dir + "/open"
        mkdir(open, 0o777)
        chmod(open, 0o777)
        box.write(open + "/config.yaml", commandConfig(marker))
        let r = CLI.run(["--config", open + "/config.yaml", "--db", box.db, "--storage-root", box.root, "scan"])
        expectOneLine(r, 78, ["kubernetes.pv_command", "its directory \(open) is group- and world-writable"])
        let owned = box.dir + "/users"
        mkdir(owned, 0o755)
        chown(owned, Self.user, Self.user)
        box.write(owned + "/config.yaml", commandConfig(marker))
        let r2 = CLI.run(["--config", owned + "/config.yaml", "--db", box.db, "--storage-root", box.root, "scan"])
        expectOneLine(r2, 78, ["kubernetes.pv_command", "owned by uid 1000"])
        #expect(!exists(marker))
    }

    @Test func aSymlinkedConfigGivesNoCommands() throws {
        let box = CLISandbox()
        let marker = box.dir + "/ran"
        box.write(box.dir + "/real.yaml", commandConfig(marker))
        try makeSymlink(box.dir + "/config.yaml", to: box.dir + "/real.yaml")
        let r = CLI.run(["--config", box.dir + "/config.yaml", "--db", box.db, "--storage-root", box.root, "scan"])
        expectOneLine(r, 78, ["kubernetes.pv_command", "symlink"])
        #expect(!exists(marker))
    }

    @Test func aTrustedConfigStillRunsItsCommand() throws {
        let box = CLISandbox()
        let marker = box.dir + "/ran"
        let r = box.agent("scan", config: commandConfig(marker))
        // touch prints no PV list: a warning, and the directory names are used.
        #expect(r.status == 0, "\(r.stderr)")
        #expect(exists(marker))
    }

    /// The attack of the issue: a read-only sudo rule (`storage-agent query *`) and the user's own
    /// config with a pv_command made root run it.
    @Test func underSudoAUsersConfigIsRefused() throws {
        let box = CLISandbox()
        let home = box.dir + "/home"
        mkdir(home, 0o755)
        chown(home, Self.user, Self.user)
        let marker = box.dir + "/ran"
        box.write(home + "/my.yaml", commandConfig(marker))
        chown(home + "/my.yaml", Self.user, Self.user)
        let r = CLI.run(["query", "--config", home + "/my.yaml", "--refresh"], environment: sudo)
        expectOneLine(r, 77, ["--config \(home)/my.yaml refused under sudo", "owned by uid 1000"])
        #expect(!exists(marker))
        // A root-owned file in the user's directory is no better: the user can swap it.
        box.write(home + "/root.yaml", "index:\n  rescan_interval: 60s\n")
        let r2 = CLI.run(["--config", home + "/root.yaml", "--db", box.db, "scan"], environment: sudo)
        expectOneLine(r2, 77, ["--config", "its directory is owned by uid 1000"])
        // --db in the user's directory is refused the same way, whether or not the file exists.
        box.write(box.dir + "/empty.yaml", "")
        let r3 = CLI.run(
            ["--config", box.dir + "/empty.yaml", "--db", home + "/index.db", "--storage-root", box.root, "scan"],
            environment: sudo)
        expectOneLine(r3, 77, ["--db \(home)/index.db refused under sudo"])
        #expect(!exists(home + "/index.db"))
        // Root-owned paths in root-owned directories are fine under sudo.
        box.write(box.dir + "/config.yaml", "index:\n  rescan_interval: 60s\n")
        let ok = CLI.run(
            ["--config", box.dir + "/config.yaml", "--db", box.db, "--storage-root", box.root, "scan"],
            environment: sudo)
        #expect(ok.status == 0, "\(ok.stderr)")
        // Without SUDO_UID (root's own shell) the same --db is root's choice: the index rules apply.
        let root = scan(box, db: home + "/index.db")
        expectOneLine(root, 77, ["refusing to keep index", "owned by uid 1000"])
    }

    // MARK: item 5, the index never follows a planted symlink

    /// `scan` with an empty config of its own (never the machine's /etc/storage-agent/config.yaml).
    func scan(_ box: CLISandbox, db: String) -> CLIResult {
        let config = box.dir + "/empty.yaml"
        if !exists(config) { box.write(config, "") }
        return CLI.run(["--config", config, "--db", db, "--storage-root", box.root, "scan"])
    }

    @Test func aDanglingSymlinkAtTheIndexInAWorldWritableDirectoryCreatesNothing() throws {
        let box = CLISandbox()
        let open = box.dir + "/open"
        mkdir(open, 0o777)
        chmod(open, 0o777)
        let target = box.dir + "/created-by-root"
        try makeSymlink(open + "/inventory.db", to: target)
        expectOneLine(scan(box, db: open + "/inventory.db"), 77, ["refusing to keep index", "world-writable"])
        #expect(!exists(target))
        // Even with no symlink yet: root keeps no index where others can plant one later.
        expectOneLine(scan(box, db: open + "/other.db"), 77, ["world-writable"])
        #expect(!exists(open + "/other.db"))
    }

    @Test func aDanglingSymlinkAtTheIndexInARootDirectoryCreatesNothing() throws {
        let box = CLISandbox()
        let dir = box.dir + "/state2"
        mkdir(dir, 0o755)
        let target = box.dir + "/created-by-root"
        try makeSymlink(dir + "/inventory.db", to: target)
        expectOneLine(scan(box, db: dir + "/inventory.db"), 73, ["inventory.db there is a symlink"])
        #expect(!exists(target))
    }

    @Test func aSymlinkToAnExistingFileIsNotOverwritten() throws {
        let box = CLISandbox()
        let dir = box.dir + "/state2"
        mkdir(dir, 0o755)
        let victim = box.dir + "/victim"
        box.write(victim, "precious\n")
        try makeSymlink(dir + "/inventory.db", to: victim)
        expectOneLine(scan(box, db: dir + "/inventory.db"), 73, ["symlink"])
        #expect(contents(victim) == "precious\n")
    }

    @Test func aDanglingSymlinkAtTheWriteAheadLogCreatesNothing() throws {
        let box = CLISandbox()
        let dir = box.dir + "/state2"
        mkdir(dir, 0o755)
        // An index that exists and works...
        #expect(scan(box, db: dir + "/inventory.db").status == 0)
        unlink(dir + "/inventory.db-wal")
        unlink(dir + "/inventory.db-shm")
        // ...then a link planted at each name SQLite opens beside it.
        for suffix in ["-wal", "-shm", "-journal"] {
            let target = box.dir + "/created\(suffix)"
            try makeSymlink(dir + "/inventory.db" + suffix, to: target)
            expectOneLine(scan(box, db: dir + "/inventory.db"), 73, ["inventory.db\(suffix) there is a symlink"])
            #expect(!exists(target))
            unlink(dir + "/inventory.db" + suffix)
        }
        #expect(scan(box, db: dir + "/inventory.db").status == 0)
    }

    @Test func anIndexBelowADirectoryAUserOwnsIsRefused() throws {
        let box = CLISandbox()
        let users = box.dir + "/users"
        mkdir(users, 0o755)
        chown(users, Self.user, Self.user)
        // The user can rename `sub` away and put their own directory (and symlinks) in its place.
        mkdir(users + "/sub", 0o700)
        expectOneLine(scan(box, db: users + "/sub/inventory.db"), 77, ["\(users) is owned by uid 1000"])
        #expect(!exists(users + "/sub/inventory.db"))
    }

    @Test func anIndexPathThroughARootSymlinkStillWorks() throws {
        let box = CLISandbox()
        mkdir(box.dir + "/real", 0o700)
        try makeSymlink(box.dir + "/alias", to: box.dir + "/real")
        let r = scan(box, db: box.dir + "/alias/inventory.db")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(exists(box.dir + "/real/inventory.db"))
    }
}
