/// The name of each doctor check, exactly as `doctor` prints it and `doctor --json` writes it.
enum DoctorCheckName: String, Sendable, CaseIterable {
    case storageRoot = "storage-root"
    case volumeExpected = "volume-expected"
    case volumeStale = "volume-stale"
    case volumeOrphan = "volume-orphan"
    case ownership = "ownership"
    case writeTest = "write-test"
    case link = "link"
    case freeSpace = "free-space"
    case capacity = "capacity"
    case ephemeral = "ephemeral"
    case volumeMounted = "volume-mounted"
    case containerNamespace = "container-namespace"
    case indexFresh = "index-fresh"
    case journald = "journald"
    case trackRecent = "track-recent"
    case persistence = "persistence"
}

/// One line of `doctor`: a check, its verdict, and for anything but a pass, the fix.
struct DoctorCheck: Sendable {
    enum Status: String, Sendable {
        case pass, warn, fail
    }

    var check: DoctorCheckName
    var status: Status
    var subject: String
    var detail: String
    /// The command to run (empty for a pass).
    var hint: String = ""

    static func pass(_ check: DoctorCheckName, _ subject: String, _ detail: String) -> DoctorCheck {
        DoctorCheck(check: check, status: .pass, subject: subject, detail: detail)
    }

    static func warn(_ check: DoctorCheckName, _ subject: String, _ detail: String, hint: String) -> DoctorCheck {
        DoctorCheck(check: check, status: .warn, subject: subject, detail: detail, hint: hint)
    }

    static func fail(_ check: DoctorCheckName, _ subject: String, _ detail: String, hint: String) -> DoctorCheck {
        DoctorCheck(check: check, status: .fail, subject: subject, detail: detail, hint: hint)
    }
}
