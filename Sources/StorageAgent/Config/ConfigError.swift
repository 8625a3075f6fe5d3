/// A configuration problem, always with the file and line.
struct ConfigError: Error, CustomStringConvertible {
    let file: String
    let line: Int
    let message: String
    var description: String { "\(file):\(line): \(message)" }
}
