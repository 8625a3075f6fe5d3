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
        let (config, problems) = parseAll(text, file: file)
        if let first = problems.first { throw first }
        return config
    }

    /// Reads every key, keeping every problem (sorted by line): what `check-config` prints.
    static func parseAll(_ text: String, file: String) -> (Config, [ConfigError]) {
        let root: YAMLNode
        do {
            root = try YAMLParser.parse(text)
        } catch {
            return (Config(), [ConfigError(file: file, line: error.line, message: error.message)])
        }
        var config = Config()
        let reader = ConfigReader(file: file)
        reader.read(root, into: &config)
        return (config, reader.problems.all.sorted { $0.line < $1.line })
    }
}
