import Foundation

/// A setting that cannot be used; the message names the flag, variable or file key it came from.
struct SettingProblem: Error, CustomStringConvertible {
    let description: String
}

/// The three places a setting can come from, in order of precedence: the command line (parsed by
/// ArgumentParser and handed in as `flag:`), the environment (`SETTLEMENT_<NAME>`), the `--config`
/// JSON file. Each is parsed strictly: a value that is present but malformed is an error naming
/// its source, never a silent fall-back to the default.
struct SettingSource: Sendable {
    let environment: [String: String]
    private let file: [String: ConfigFileValue]
    private let filePath: String?

    /// Reads the config file named by `configFlag`, else by `SETTLEMENT_CONFIG`, refusing keys that
    /// are not settings.
    init(configFlag: String?, environment: [String: String]) throws {
        self.environment = environment
        let path = configFlag ?? Self.nonEmpty(environment[SettingKey.config.environmentName])
        filePath = path
        guard let path else {
            file = [:]
            return
        }
        let data = try Self.readSmallFile(path, limit: Self.maxConfigFileBytes, what: "config file")
        guard let object = try? JSONDecoder().decode([String: ConfigFileValue].self, from: data) else {
            throw SettingProblem(description: "config file \(path) is not a JSON object")
        }
        let known = SettingKey.fileKeys
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw SettingProblem(description: "config file \(path): unknown key \"\(unknown)\"")
        }
        file = object
    }

    /// The flag's value, else the environment's, else the file's, else nil.
    func value<T: SettingValue>(_ key: SettingKey, flag: T?, as type: T.Type = T.self) throws -> T? {
        if let flag { return flag }
        if let text = environmentText(key) {
            guard let v = T.parse(text: text) else {
                let shown = key.isSecret ? "(hidden)" : "\"\(text)\""
                throw SettingProblem(description: "\(key.environmentName)=\(shown) is not \(T.expected)")
            }
            return v
        }
        if let raw = file[key.name] {
            guard let v = T.parse(file: raw) else {
                throw SettingProblem(description: "config file \(filePath ?? ""): \(key.name) must be \(T.expected)")
            }
            return v
        }
        return nil
    }

    /// Like `value`, with a default.
    func value<T: SettingValue>(_ key: SettingKey, flag: T?, default fallback: T) throws -> T {
        try value(key, flag: flag) ?? fallback
    }

    /// A secret from its own setting (flag, environment, file) or from the file named by its
    /// `…_file` companion, never both. The file's content is used without a trailing newline.
    /// Under `production`, a secret given on the command line is refused: `ps` shows it.
    func secret(_ key: SettingKey, flag: String?, fileKey: SettingKey, fileFlag: String?, production: Bool,
                extraEnvironment: String? = nil) throws -> String? {
        if production, flag != nil {
            throw SettingProblem(description: "\(key.flag) on the command line is refused with --production (other users can read it in ps); use \(fileKey.flag) or \(key.environmentName)")
        }
        var direct = try value(key, flag: flag, as: String.self)
        if direct == nil, let extraEnvironment { direct = Self.nonEmpty(environment[extraEnvironment]) }
        let path = try value(fileKey, flag: fileFlag, as: String.self)
        switch (direct, path) {
        case (.some, .some):
            throw SettingProblem(description: "\(key.flag) and \(fileKey.flag) are both set; give one")
        case (let d?, nil):
            return d
        case (nil, let p?):
            let data = try Self.readSmallFile(p, limit: Self.maxSecretFileBytes, what: fileKey.flag)
            guard var text = String(data: data, encoding: .utf8) else {
                throw SettingProblem(description: "\(fileKey.flag): \(p) is not UTF-8 text")
            }
            while text.last == "\n" || text.last == "\r" { text.removeLast() }
            guard !text.isEmpty else { throw SettingProblem(description: "\(fileKey.flag): \(p) is empty") }
            return text
        case (nil, nil):
            return nil
        }
    }

    /// Largest config file read (a settings file is a few KB).
    static let maxConfigFileBytes = 1 << 20
    /// Largest secret file read (a URL or a token).
    static let maxSecretFileBytes = 64 << 10

    /// The bytes of `path`, refused past `limit` without reading more than `limit + 1` bytes (a
    /// wrong path such as /dev/zero is an error, not a hang).
    static func readSmallFile(_ path: String, limit: Int, what: String) throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw SettingProblem(description: "\(what): cannot read \(path)") }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: limit + 1) ?? Data() } catch {
            throw SettingProblem(description: "\(what): cannot read \(path): \(error)")
        }
        guard data.count <= limit else { throw SettingProblem(description: "\(what): \(path) is larger than \(limit) bytes") }
        return data
    }

    /// `SETTLEMENT_*` variables that name no setting (a typo would otherwise be ignored).
    var unknownEnvironmentNames: [String] {
        let known = Set(SettingKey.all.map(\.environmentName))
        return environment.keys.filter { $0.hasPrefix("SETTLEMENT_") && !known.contains($0) }.sorted()
    }

    private func environmentText(_ key: SettingKey) -> String? { Self.nonEmpty(environment[key.environmentName]) }

    /// An empty variable counts as unset (as shells and orchestrators commonly pass them).
    private static func nonEmpty(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }
}
