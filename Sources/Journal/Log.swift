import HostFS

/// Daemon log lines on stderr with a syslog priority prefix, which journald turns into PRIORITY.
/// A message may quote what a tenant wrote (a link target, a file name): its control characters
/// are escaped, so it can never end the line and forge an entry or a priority of its own.
package enum Log {
    package static func error(_ message: String) { Output.err(line(3, message)) }
    package static func warning(_ message: String) { Output.err(line(4, message)) }
    package static func notice(_ message: String) { Output.err(line(5, message)) }
    package static func info(_ message: String) { Output.err(line(6, message)) }

    /// `<priority>message` and one newline.
    package static func line(_ priority: Int, _ message: String) -> String {
        "<\(priority)>\(RawName.safeLine(message))\n"
    }
}
