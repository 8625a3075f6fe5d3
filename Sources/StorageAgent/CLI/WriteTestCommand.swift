import ArgumentParser

/// `doctor`'s write test runs this in a child that drops to the volume owner's uid.
struct WriteTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write-test", abstract: "Internal: create and remove a file in fd 3 as --uid:--gid.",
        shouldDisplay: false)

    @Option var uid: UInt32
    @Option var gid: UInt32

    func run() throws {
        let status = WriteTest.child(uid: uid, gid: gid)
        if status != 0 { throw ExitCode(status) }
    }
}
