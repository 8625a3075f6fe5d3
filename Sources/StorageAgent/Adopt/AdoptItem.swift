import HostFS

/// One line of an adopt plan or result: a file of the stale directory and what happens to it.
struct AdoptItem {
    /// `adopt --json`'s `action`: a contract, values only ever added.
    enum Action: String, CaseIterable {
        /// Copied (or, in a dry run, would be) to a name that was free.
        case copy
        /// Left where it is: the destination already holds it identically (same size and sha256),
        /// or it is nothing to copy (a symlink, FIFO, socket or device; another file system).
        case skip
        /// The destination holds something else under its name: it goes beside as `NAME.adopted-<pv>`.
        case conflict
        /// Renamed into the destination (`--move`, same file system).
        case move
        /// Not adopted, on purpose or because a step failed: the detail says why.
        case refused
    }

    /// Host path bytes of the source (a name is bytes: shown escaped, never interpreted).
    var source: [UInt8]
    /// Host path bytes of where it goes (or is already); nil when it goes nowhere.
    var destination: [UInt8]?
    var action: Action
    /// The file's size (its logical size: holes count).
    var bytes: Int64
    var detail: String?
}

/// Totals of a plan or result, per action.
struct AdoptTotals {
    var files: [AdoptItem.Action: Int] = [:]
    var bytes: [AdoptItem.Action: Int64] = [:]

    init(_ items: [AdoptItem]) {
        for item in items {
            files[item.action, default: 0] += 1
            bytes[item.action, default: 0] += item.bytes
        }
    }

    func count(_ action: AdoptItem.Action) -> Int { files[action] ?? 0 }
    func size(_ action: AdoptItem.Action) -> Int64 { bytes[action] ?? 0 }
}
