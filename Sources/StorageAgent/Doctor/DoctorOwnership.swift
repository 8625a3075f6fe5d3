import HostFS
import PVCResolver

/// Ownership (a dry run of fix-ownership) and the write test as each volume's owner.
extension Doctor {
    func ownershipAndWriteTests() -> [DoctorCheck] {
        var out: [DoctorCheck] = []
        let ownership = VolumeOwnership(config: config)
        for entry in config.volumes where entry.expect || entry.fixOwnership {
            guard let volume = resolution.volumes.first(where: { $0.claim == entry.claim && $0.state != .stale }),
                let dir = try? volume.open(), let st = try? dir.stat()
            else { continue }
            let owner = entry.owner ?? config.owner
            if entry.fixOwnership {
                let report = ownership.fix(volume, owner: owner, dryRun: true)
                if report.changed > 0 || st.uid != owner.uid {
                    out.append(
                        .fail(
                            .ownership, entry.claim, "\(report.changed) entries not owned by \(owner)",
                            hint: "storage-agent fix-ownership \(entry.claim)"))
                } else {
                    out.append(.pass(.ownership, entry.claim, "all \(report.checked) entries owned by \(owner)"))
                }
            }
            if let reason = WriteTest.run(in: dir, as: owner) {
                out.append(
                    .fail(
                        .writeTest, entry.claim, "as \(owner): \(reason)",
                        hint: "storage-agent fix-ownership \(entry.claim)"))
            } else {
                out.append(.pass(.writeTest, entry.claim, "\(owner) can create and remove a file"))
            }
        }
        return out
    }
}
