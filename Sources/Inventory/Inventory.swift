import CSQLite
import HostFS

/// The SQLite index of volumes and their files. One instance is one connection; it is not
/// shared between threads (the daemon gives it to one actor).
package final class Inventory {
    package static var schemaVersion: Int64 { Schema.version }

    let db: Database
    package let path: String
    let busyTimeoutMs: Int32
    /// Moved by every scan that wrote a row of `files`: what `trackLastWrites()` answered stays
    /// true until it moves or another connection commits (`PRAGMA data_version`).
    var filesGeneration = 0
    var lastWritesCache: (stamp: FilesStamp, rows: [(Int64, String, Int64)])?
    var hourlyVolumesCache: [String: (stamp: FilesStamp, volumes: Set<Int64>)] = [:]
    /// Set when a damaged index was found and moved aside on open: where it went.
    package private(set) var movedAside: String?

    /// Opens (creating when missing, in a 0700 directory, mode 0600) and migrates the index.
    /// A damaged file is moved aside to `<path>.corrupt-<time>` and a new one is created:
    /// the index is a cache of the disk, never a reason for a crash loop.
    /// `busyTimeoutMs`: how long to wait for another writer's lock before reporting `.locked`.
    package init(path: String, busyTimeoutMs: Int32 = 5000) throws(InventoryError) {
        self.path = path
        self.busyTimeoutMs = busyTimeoutMs
        var real = try Self.prepareFile(path)
        do {
            db = try Self.openAndMigrate(real, busyTimeoutMs: busyTimeoutMs)
        } catch let error where error.kind == .corrupt {
            let aside = "\(path).corrupt-\(SystemClock.nowNs() / 1_000_000_000)"
            do {
                try HostPath.rename(path, to: aside)
            } catch {
                throw InventoryError(.io, path: path, detail: "damaged and cannot be moved aside: \(error.message)")
            }
            for suffix in ["-wal", "-shm"] { try? HostPath.rename(path + suffix, to: aside + suffix) }
            movedAside = aside
            real = try Self.prepareFile(path)
            db = try Self.openAndMigrate(real, busyTimeoutMs: busyTimeoutMs)
        }
    }

    /// Opens an existing index for reading only (shell completion): nothing is created, migrated
    /// or moved aside. An index of another schema version, or a damaged one, is an error.
    package init(readingAt path: String, busyTimeoutMs: Int32 = 1000) throws(InventoryError) {
        self.path = path
        self.busyTimeoutMs = busyTimeoutMs
        let real = try Self.prepareFile(path)
        db = try Self.guarded(path) {
            let db = try Database(path: real, flags: SQLITE_OPEN_READONLY)
            sqlite3_busy_timeout(db.handle, busyTimeoutMs)
            let version = try db.scalar("PRAGMA user_version") ?? 0
            if version > Schema.version {
                throw InventoryError(.newerSchema(found: version, supported: Schema.version), path: path, detail: "")
            }
            guard version == Schema.version else {
                throw InventoryError(
                    .io, path: path,
                    detail: "schema version \(version) is older than \(Schema.version) and is not migrated")
            }
            return db
        }
    }

    /// Whether an index file exists at `path` (query scans first when it does not).
    package static func exists(at path: String) -> Bool {
        HostPath.exists(path)
    }

    /// Makes the index file safe to open and returns the path SQLite is to open (its real path).
    /// A symlink is never followed or created through: not at the index's name, not at its -wal,
    /// -shm or -journal names. As root, the directory must be owned by root and writable by it
    /// alone, and every directory above it too (or sticky, like /tmp), so nobody else can plant a
    /// name there or swap the path SQLite resolves.
    static func prepareFile(_ path: String) throws(InventoryError) -> String {
        let slash = path.lastIndex(of: "/")
        let parent = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        if !HostPath.exists(parent) {
            do { try HostPath.makeDirectory(parent, mode: 0o700) } catch {
                throw errnoError(error, path: parent, create: true)
            }
        }
        let directory: String
        if Credentials.effectiveUserID == 0 {
            switch RootTrust.checkDirectory(parent) {
            case .success(let real): directory = real
            case .failure(let problem):
                throw InventoryError(.untrustedDirectory, path: path, detail: "\(problem.path) is \(problem.reason)")
            }
        } else {
            directory = ProcFS.realPath(parent) ?? parent
        }
        let dir: Descriptor
        do { dir = try Descriptor.openDirectory(path: directory) } catch {
            throw errnoError(error, path: parent, create: true)
        }
        for suffix in ["", "-wal", "-shm", "-journal"] {
            if let st = try? dir.stat(name: name + suffix), !st.isRegular {
                throw InventoryError(
                    .notAFile, path: path,
                    detail: "\(name + suffix) there is a \(st.type == .symlink ? "symlink" : "special file")")
            }
        }
        do {
            if try !dir.createEmptyFile(named: name, mode: 0o600) {
                try HostPath.checkReadWrite(directory + "/" + name)
            }
        } catch {
            throw errnoError(error, path: path, create: true)
        }
        return (directory == "/" ? "" : directory) + "/" + name
    }

    static func errnoError(_ error: SystemError, path: String, create: Bool) -> InventoryError {
        if error.isPermission { return InventoryError(.permissionDenied, path: path, detail: "") }
        return InventoryError(create ? .cannotCreate : .io, path: path, detail: error.message)
    }

    static func openAndMigrate(_ path: String, busyTimeoutMs: Int32) throws(InventoryError) -> Database {
        try guarded(path) {
            let db = try Database(path: path)
            sqlite3_busy_timeout(db.handle, busyTimeoutMs)
            try db.execute(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-8000; PRAGMA foreign_keys=OFF")
            let version = try db.scalar("PRAGMA user_version") ?? 0
            guard version <= Schema.version else {
                throw InventoryError(.newerSchema(found: version, supported: Schema.version), path: path, detail: "")
            }
            if version < Schema.version {
                try db.transaction {
                    for (i, step) in Schema.migrations.enumerated() where Int64(i) >= version {
                        switch step {
                        case .sql(let sql): try db.execute(sql)
                        case .code(let migrate): try migrate(db)
                        }
                    }
                    // The directory digests are keyed with a secret, so a container cannot craft a
                    // change that leaves its directory's digest equal.
                    try db.execute(
                        "INSERT OR IGNORE INTO meta (key, value) VALUES ('digest_key', \(Int64.random(in: .min ... .max)))"
                    )
                    try db.execute("PRAGMA user_version = \(Schema.version)")
                }
            }
            return db
        }
    }

    /// Wraps SQLite failures of one operation into an operator-facing error.
    func guarded<T>(_ body: () throws -> T) throws(InventoryError) -> T { try Self.guarded(path, body) }

    /// As `guarded`, for the index at `path` before a connection exists (opening it).
    static func guarded<T>(_ path: String, _ body: () throws -> T) throws(InventoryError) -> T {
        do {
            return try body()
        } catch let error as InventoryError {
            throw error
        } catch let error as SQLiteError {
            throw InventoryError(error)
        } catch {
            throw InventoryError(.io, path: path, detail: "\(error)")
        }
    }
}

/// What the `files` rows looked like when a cached answer was made: this connection's scans that
/// wrote a row (`filesGeneration`) and other connections' commits (`PRAGMA data_version`).
struct FilesStamp: Equatable {
    var generation: Int
    var dataVersion: Int64
}

extension Inventory {
    /// The stamp now; an answer made under an equal stamp is still true.
    func filesStamp() throws -> FilesStamp {
        FilesStamp(generation: filesGeneration, dataVersion: try db.scalar("PRAGMA data_version") ?? -1)
    }
}
