/// A configuration problem, always with the file and line.
struct ConfigError: Error, CustomStringConvertible {
    let file: String
    let line: Int
    let message: String
    var description: String { "\(file):\(line): \(message)" }
}

/// The problems one reading of a config file found, in the order found.
final class ConfigProblems {
    var all: [ConfigError] = []
}
