import Foundation

/// Runs `executable` with `arguments` (stderr discarded) and returns its exit status and stdout.
package func runTool(_ executable: String, _ arguments: [String]) -> (status: Int32, stdout: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try! p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// What the real `du -s -B1 -x PATH` prints, in bytes: the reference the agent's allocated bytes
/// are checked against.
package func du(_ path: String) -> Int64 {
    Int64(runTool("/usr/bin/du", ["-s", "-B1", "-x", path]).stdout.prefix { $0.isNumber }) ?? -1
}

/// `count` bytes that do not compress or deduplicate to nothing (a Postgres-like data file).
package func noise(_ count: Int) -> [UInt8] {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}
