import Alerting
import HostFS
import PVCResolver

extension Config {
    /// Loads `path`, or the built-in defaults when `path` is the default file and it does not exist.
    static func load(path: String?) throws(AgentError) -> Config {
        let file = path ?? defaultPath
        let text: String
        switch readTextFile(file) {
        case .success(let t): text = t
        case .failure(let e):
            if path == nil && e.code == .noEntry { return Config() }
            if e.code == .noEntry {
                throw AgentError(.missingInput, "config file \(file) does not exist; create it or drop --config")
            }
            if e.isPermission {
                throw AgentError(.permission, "cannot read config \(file): permission denied; run with sudo")
            }
            throw AgentError(.ioError, "cannot read config \(file): \(e.message)")
        }
        do {
            var config = try parse(text, file: file)
            config.source = file
            return config
        } catch {
            throw AgentError(.config, "\(error.description); fix the file and retry")
        }
    }

    static func parse(_ text: String, file: String) throws(ConfigError) -> Config {
        let root: YAMLNode
        do {
            root = try YAMLParser.parse(text)
        } catch {
            throw ConfigError(file: file, line: error.line, message: error.message)
        }
        var config = Config()
        var reader = ConfigReader(file: file)
        try reader.read(root, into: &config)
        return config
    }
}
