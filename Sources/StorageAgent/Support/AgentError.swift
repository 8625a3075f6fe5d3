/// A user-facing failure: one line on stderr and an exit code from design.md.
struct AgentError: Error, CustomStringConvertible {
    /// sysexits(3) codes, as design.md fixes them.
    enum Code: Int32 {
        case failed = 1
        case usage = 64
        case badData = 65
        case missingInput = 66
        case cannotCreate = 73
        case ioError = 74
        case permission = 77
        case config = 78
    }

    let code: Code
    let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    var description: String { message }
}
