/// One line of `doctor`: a check, its verdict, and for anything but a pass, the fix.
struct DoctorCheck: Sendable {
    enum Status: String, Sendable {
        case pass, warn, fail
    }

    var check: String
    var status: Status
    var subject: String
    var detail: String
    /// The command to run (empty for a pass).
    var hint: String = ""

    static func pass(_ check: String, _ subject: String, _ detail: String) -> DoctorCheck {
        DoctorCheck(check: check, status: .pass, subject: subject, detail: detail)
    }

    static func warn(_ check: String, _ subject: String, _ detail: String, hint: String) -> DoctorCheck {
        DoctorCheck(check: check, status: .warn, subject: subject, detail: detail, hint: hint)
    }

    static func fail(_ check: String, _ subject: String, _ detail: String, hint: String) -> DoctorCheck {
        DoctorCheck(check: check, status: .fail, subject: subject, detail: detail, hint: hint)
    }
}
