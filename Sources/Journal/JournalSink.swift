import Alerting
import CSystemd
import HostFS
import Inventory

/// Sends alert transitions to the journal with sd_journal_sendv(3), one entry each, with the
/// fields of design.md. Without a journal socket (a laptop, a container) the same words go to
/// stderr, so nothing is lost.
package struct JournalSink: AlertSink {
    /// The unit the entries are about, for entries a command sends (a fix made by hand):
    /// `OBJECT_SYSTEMD_UNIT=` from a root process is what `journalctl -u UNIT` matches besides
    /// the unit's own processes, so the operator reading `journalctl -u storage-agent` sees them.
    package var objectUnit: String?

    package init(objectUnit: String? = nil) { self.objectUnit = objectUnit }

    /// The sink for commands run by hand: entries about the packaged unit.
    package static let command = JournalSink(objectUnit: "storage-agent.service")

    /// Returns true when the journal took the entry.
    package func send(_ record: AlertRecord, type: AlertType, state: AlertRecord.State) {
        var fields: [(String, String)] = [
            ("MESSAGE", record.message), ("MESSAGE_ID", type.messageID),
            ("PRIORITY", String(state == .resolved ? 6 : record.priority)), ("SYSLOG_IDENTIFIER", "storage-agent"),
            ("STORAGE_AGENT_ALERT", type.rawValue), ("STORAGE_AGENT_STATE", state.rawValue),
        ]
        let optional: [(String, String?)] = [
            ("PVC_NAMESPACE", record.namespace), ("PVC_NAME", record.pvc), ("PV_NAME", record.pv),
            ("VOLUME_PATH", record.path), ("TRACK", record.track), ("FILE_PATH", record.filePath),
        ]
        for (name, value) in optional { if let value { fields.append((name, value)) } }
        for number in record.numbers { fields.append((number.name, String(number.value))) }
        fields.append(("COUNT", String(record.count)))
        if let objectUnit { fields.append(("OBJECT_SYSTEMD_UNIT", objectUnit)) }
        Self.send(fields)
    }

    /// The summary entry when a cycle had more entries than `alerts.max_per_cycle`.
    package func sendSuppressed(_ count: Int) {
        Self.send(
            [
                (
                    "MESSAGE",
                    "\(count) more alert transitions this cycle were not sent; see 'storage-agent alerts --all'"
                ),
                ("MESSAGE_ID", AlertType.suppressedMessageID), ("PRIORITY", "4"),
                ("SYSLOG_IDENTIFIER", "storage-agent"),
                ("STORAGE_AGENT_ALERT", "alerts-suppressed"), ("STORAGE_AGENT_STATE", "firing"),
                ("COUNT", String(count)),
            ] + (objectUnit.map { [("OBJECT_SYSTEMD_UNIT", $0)] } ?? []))
    }

    @discardableResult
    package static func send(_ fields: [(String, String)]) -> Bool {
        // One buffer holds every `NAME=value`; each field is a slice of it (no NUL needed).
        var bytes: [UInt8] = []
        var offsets: [Int] = []
        var lengths: [Int] = []
        for (name, value) in fields {
            offsets.append(bytes.count)
            bytes += Array("\(name)=\(value)".utf8)
            lengths.append(bytes.count - offsets.last!)
        }
        let rc = bytes.withUnsafeBytes { buffer in
            csystemd_journal_send(
                buffer.baseAddress!.assumingMemoryBound(to: CChar.self), offsets, lengths, Int32(fields.count))
        }
        if rc >= 0 { return true }
        // No journal: the same words on stderr, with the fields that matter.
        let message = fields.first { $0.0 == "MESSAGE" }?.1 ?? ""
        let rest = fields.filter {
            !["MESSAGE", "MESSAGE_ID", "SYSLOG_IDENTIFIER", "PRIORITY", "OBJECT_SYSTEMD_UNIT"].contains($0.0)
        }
        let priority = fields.first { $0.0 == "PRIORITY" }?.1 ?? "4"
        Output.err(
            "<\(priority)>storage-agent: \(message) [\(rest.map { "\($0.0)=\($0.1)" }.joined(separator: " "))]\n")
        return false
    }
}
