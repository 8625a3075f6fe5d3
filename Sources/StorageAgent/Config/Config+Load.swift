import Alerting
import HostFS
import PVCResolver

extension Config {
    /// Loads `path`, or the built-in defaults when `path` is the default file and it does not exist.
    static func load(path: String?) throws(AgentError) -> Config {
        let file = path ?? defaultPath
        guard let (text, distrust) = try readFile(file, named: path != nil) else { return Config() }
        do {
            var config = try parse(text, file: file, distrust: distrust)
            config.source = file
            return config
        } catch {
            throw AgentError(.config, "\(error.description); fix the file and retry")
        }
    }

    /// The text of config file `file` and why root may not take commands from it (nil: it may);
    /// nil when the default file (`named` false) does not exist. Failures are one-line errors.
    static func readFile(_ file: String, named: Bool) throws(AgentError) -> (text: String, distrust: String?)? {
        switch readTrustedTextFile(file) {
        case .success(let t): return t
        case .failure(let e):
            if !named && e.code == .noEntry { return nil }
            if e.code == .noEntry {
                throw AgentError(.missingInput, "config file \(file) does not exist; create it or drop --config")
            }
            if e.isPermission {
                throw AgentError(.permission, "cannot read config \(file): permission denied; run with sudo")
            }
            throw AgentError(.ioError, "cannot read config \(file): \(e.message)")
        }
    }

    static func parse(_ text: String, file: String, distrust: String? = nil) throws(ConfigError) -> Config {
        let (config, problems) = parseAll(text, file: file, distrust: distrust)
        if let first = problems.first { throw first }
        return config
    }

    /// Reads every key, keeping every problem (sorted by line): what `check-config` prints.
    /// `distrust`: why the file is not one root may take commands from (`readTrustedFile`); then
    /// each command key it sets is a problem, and the command is dropped.
    static func parseAll(_ text: String, file: String, distrust: String? = nil) -> (Config, [ConfigError]) {
        let root: YAMLNode
        do {
            root = try YAMLParser.parse(text)
        } catch {
            return (Config(), [ConfigError(file: file, line: error.line, message: error.message)])
        }
        var config = Config()
        let reader = ConfigReader(file: file)
        reader.read(root, into: &config)
        if let distrust {
            for (key, line) in commandKeys(root, config) {
                reader.problems.all.append(
                    ConfigError(
                        file: file, line: line,
                        message:
                            "\(key) is not taken from \(file): \(distrust); commands run as root, so they are honoured only from a root-owned file that only root can write, in a directory likewise"
                    ))
            }
            config.pvCommand = nil
            config.crictlCommand = nil
        }
        return (config, reader.problems.all.sorted { $0.line < $1.line })
    }

    /// The command keys `config` took from the file, with their lines.
    private static func commandKeys(_ root: YAMLNode, _ config: Config) -> [(String, Int)] {
        guard case .mapping(let top, _) = root, let k8s = top.first(where: { $0.key == "kubernetes" }),
            case .mapping(let entries, _) = k8s.value
        else { return [] }
        var out: [(String, Int)] = []
        for e in entries {
            if e.key == "pv_command" && config.pvCommand != nil { out.append(("kubernetes.pv_command", e.line)) }
            if e.key == "crictl_command" && config.crictlCommand != nil {
                out.append(("kubernetes.crictl_command", e.line))
            }
        }
        return out
    }
}
