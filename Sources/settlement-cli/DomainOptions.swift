import ArgumentParser
import Foundation
import GRPC
import Settlement
import SettlementAPI

/// Which deployment a transfer is signed for (its EIP-712 domain: chain id and deployment salt).
///
/// By default the domain is the engine's (`GetChainInfo`). `--genesis` or `--domain-salt` pin it:
/// a command that contacts the engine then refuses to sign when the engine serves another domain
/// (a client pointed at the wrong deployment signs nothing there), and `--dry-run` needs no engine.
struct DomainOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Genesis file of the deployment: the domain is computed from it.", valueName: "file"))
    var genesis: String?

    @Option(name: .customLong("chain-id"), help: ArgumentHelp("EIP-712 domain chain id (checked against the engine's). Env: SETTLEMENT_CHAIN_ID.",
                               valueName: "n"))
    var chainIdFlag: UInt64?

    @Option(name: .customLong("domain-salt"), help: ArgumentHelp("EIP-712 domain salt, 0x + 64 hex digits (with --chain-id). Env: SETTLEMENT_DOMAIN_SALT.",
                               valueName: "hex"))
    var domainSaltFlag: String?

    /// `--chain-id`, else `SETTLEMENT_CHAIN_ID`.
    var chainId: UInt64? { chainIdFlag ?? ProcessInfo.processInfo.environment["SETTLEMENT_CHAIN_ID"].flatMap(UInt64.init) }
    /// `--domain-salt`, else `SETTLEMENT_DOMAIN_SALT`.
    var domainSalt: String? { domainSaltFlag ?? ProcessInfo.processInfo.environment["SETTLEMENT_DOMAIN_SALT"] }

    /// The domain fixed on the command line, nil when only the engine can tell.
    func pinned() throws -> SigningDomain? {
        var salt: Digest32?
        if let domainSalt {
            guard let s = Digest32(hex: domainSalt) else { throw CLIError.input("--domain-salt must be 0x and 64 hex digits") }
            salt = s
        }
        if let genesis {
            let g: Genesis
            do { g = try Genesis.load(path: genesis) } catch { throw CLIError.input("\(error)") }
            let domain = SigningDomain(genesis: g)
            if let chainId, chainId != domain.chainId {
                throw CLIError.input("--chain-id \(chainId) is not the genesis's chain id \(domain.chainId)")
            }
            if let salt, salt != domain.salt { throw CLIError.input("--domain-salt is not the salt of --genesis (\(domain.salt))") }
            return domain
        }
        guard let salt else { return nil }
        guard let chainId else { throw CLIError.input("--domain-salt needs --chain-id") }
        return SigningDomain(chainId: chainId, salt: salt)
    }

    /// The engine's domain, after checking it against what the command line pins.
    func resolve(_ client: SettlementClient, timeout: Int) async throws -> SigningDomain {
        let info: SettlementV1.ChainInfo = try await client.unary(SettlementMethods.getChainInfo,
                                                                  SettlementV1.GetChainInfoRequest(),
                                                                  timeout: .seconds(timeout))
        let served: SigningDomain
        do { served = try info.signingDomain() } catch { throw CLIError.input("the engine's chain info: \(error)") }
        if let pinned = try pinned(), pinned != served {
            throw CLIError.input("the engine serves domain \(served), not the pinned \(pinned): nothing signed")
        }
        if let chainId, chainId != served.chainId {
            throw CLIError.input("the engine serves chain id \(served.chainId), not --chain-id \(chainId): nothing signed")
        }
        return served
    }
}
