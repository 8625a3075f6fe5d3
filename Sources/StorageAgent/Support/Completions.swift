import ArgumentParser
import HostFS
import Inventory

/// Values the shell completes (bash and zsh call `storage-agent ---completion ...`): the track
/// names of the configuration and the PVCs of the index. A completion has no side effects and
/// prints nothing but candidates: the index is opened read-only (never created, migrated or
/// moved aside), and any failure (no permission, no index, a broken config) completes nothing.
enum Completions {
    static let tracks = CompletionKind.custom { words, _, prefix in
        let config = (try? Config.load(path: option("--config", in: words))) ?? Config()
        return config.trackNames.filter { $0.hasPrefix(prefix) }
    }

    /// `NAMESPACE/NAME` of every PVC the index knows, current or not.
    static let pvcs = CompletionKind.custom { words, _, prefix in
        claims(words).filter { $0.hasPrefix(prefix) }
    }

    static func claims(_ words: [String]) -> [String] {
        var database = option("--db", in: words).map(Context.absolute)
        if database == nil { database = (try? Config.load(path: option("--config", in: words)))?.database }
        guard let database, Inventory.exists(at: database),
            let volumes = try? Inventory(readingAt: database).volumes()
        else { return [] }
        let names = volumes.compactMap { v in v.pvc.map { (v.namespace.map { $0 + "/" } ?? "") + $0 } }
        // Shell words: a name with a space or a control byte would complete into something else.
        return Set(names).filter { $0.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f } }.sorted()
    }

    /// The value of `--name VALUE` or `--name=VALUE` among the words typed so far.
    static func option(_ name: String, in words: [String]) -> String? {
        var value: String?
        for (i, word) in words.enumerated() {
            if word == name, i + 1 < words.count {
                value = words[i + 1]
            } else if word.hasPrefix(name + "=") {
                value = String(word.dropFirst(name.count + 1))
            }
        }
        return value
    }
}
