import HostFS

/// Daemon log lines on stderr with a syslog priority prefix, which journald turns into PRIORITY.
package enum Log {
    package static func error(_ message: String) { Output.err("<3>\(message)\n") }
    package static func warning(_ message: String) { Output.err("<4>\(message)\n") }
    package static func notice(_ message: String) { Output.err("<5>\(message)\n") }
    package static func info(_ message: String) { Output.err("<6>\(message)\n") }
}
