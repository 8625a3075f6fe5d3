import ArgumentParser
import HostFS

/// `LinkManager` runs this in a child to do a link's work inside a home as the home's owner.
struct LinkAsUserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link-as-user",
        abstract: "Internal: make or check one friendly link as --uid, after dropping to it for good.",
        shouldDisplay: false)

    @Option var uid: UInt32
    @Option(help: "The group when the system has no user with --uid.") var gid: UInt32
    @Option var link: String
    @Option var namespace: String
    @Option var pvc: String
    @Option var to: String?
    @Option var ours: [String] = []
    @Option(name: .customLong("ours-prefix")) var oursPrefix: [String] = []
    @Flag var apply = false
    @Flag(name: .customLong("check-access")) var checkAccess = false

    func run() throws {
        // The user's login groups, read while still root; then no way back.
        let login = Credentials.loginGroups(ofUser: uid)
        let gid = login?.primary ?? gid
        do {
            try Credentials.dropForGood(uid: uid, gid: gid, groups: login?.all ?? [gid])
        } catch {
            Output.err("storage-agent: cannot switch to \(uid):\(gid): \(error.message)\n")
            throw ExitCode(1)
        }
        let placement = LinkPlacement(
            link: link, pointTo: to, oursExact: ours, oursPrefixes: oursPrefix, apply: apply, checkAccess: checkAccess,
            namespace: namespace, pvc: pvc)
        let status = placement.perform()
        Output.out(
            [status.state.rawValue, status.detail, status.hint].map { RawName.safeLine($0) + "\n" }.joined())
    }
}
