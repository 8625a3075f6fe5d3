import CSQLite

/// Why the index could not be used, in words an operator can act on. How the path was chosen
/// (a command-line option, the config) is the caller's to add.
package struct InventoryError: Error, CustomStringConvertible, Sendable {
    package enum Kind: Sendable, Equatable {
        /// Another process holds the write lock longer than the busy timeout.
        case locked
        /// The file is not a database or is damaged beyond use.
        case corrupt
        /// Written by a newer storage-agent with a schema this one does not know.
        case newerSchema(found: Int64, supported: Int64)
        case permissionDenied
        case cannotCreate
        case io
        /// Running as root, the index's directory (or one above it) is one that others can write or own.
        case untrustedDirectory
        /// A symlink or another non-file is at the index's name or at one of SQLite's -wal, -shm, -journal.
        case notAFile
        /// The caller stopped the scan (shutdown); the volume in progress was rolled back.
        case cancelled
    }

    package let kind: Kind
    package let path: String
    package let detail: String

    package init(_ kind: Kind, path: String, detail: String) {
        self.kind = kind
        self.path = path
        self.detail = detail
    }

    package var description: String {
        switch kind {
        case .locked:
            return
                "index \(path) is locked by another writer (\(detail)); wait for it to finish, or stop the other storage-agent"
        case .corrupt:
            return "index \(path) is damaged (\(detail)); it was moved aside and will be rebuilt"
        case .newerSchema(let found, let supported):
            return
                "index \(path) has schema version \(found), newer than this storage-agent supports (\(supported)); upgrade storage-agent"
        case .permissionDenied:
            return "cannot open index \(path): permission denied; run with sudo"
        case .cannotCreate:
            return "cannot create index \(path): \(detail); check that the directory is writable"
        case .io:
            return "index \(path): \(detail)"
        case .untrustedDirectory:
            return
                "refusing to keep index \(path) as root: \(detail); use --db in a root-owned directory only root can write"
        case .notAFile:
            return "refusing to open index \(path): \(detail), not a regular file; remove it (root never follows it)"
        case .cancelled:
            return "scan of \(path) stopped before it finished"
        }
    }

    init(_ error: SQLiteError) {
        switch error.primary {
        case SQLITE_BUSY, SQLITE_LOCKED: self.init(.locked, path: error.path, detail: error.message)
        case SQLITE_CORRUPT, SQLITE_NOTADB: self.init(.corrupt, path: error.path, detail: error.message)
        case SQLITE_PERM, SQLITE_AUTH: self.init(.permissionDenied, path: error.path, detail: error.message)
        case SQLITE_CANTOPEN: self.init(.cannotCreate, path: error.path, detail: error.message)
        case SQLITE_READONLY: self.init(.permissionDenied, path: error.path, detail: error.message)
        default: self.init(.io, path: error.path, detail: error.message)
        }
    }
}
