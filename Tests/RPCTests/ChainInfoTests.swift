import XCTest

@testable import GRPC
import RPCTestSupport
@testable import SettlementAPI
import Settlement
import SettlementTestSupport

/// `GetChainInfo` tells a client the domain to sign in, and `SubmitTransaction` carries the domain
/// salt a transfer was signed for: a transfer of another deployment is refused with a reason
/// naming both salts, one without a salt is malformed.
final class ChainInfoTests: XCTestCase {
    func testChainInfoServesTheEnginesDomainAndSigningInItIsAccepted() async throws {
        let f = try await SettlementFixture.start()
        let info = try await f.client.unary(SettlementMethods.getChainInfo, SettlementV1.GetChainInfoRequest())
        XCTAssertEqual(try info.signingDomain(), f.engine.domain)
        XCTAssertEqual(info.chainId, SettlementFixture.chainId)
        XCTAssertEqual(info.genesisHash, f.engine.genesisHash.bytes)
        XCTAssertEqual(info.domainName, EIP712.domainName)
        XCTAssertEqual(info.domainVersion, EIP712.domainVersion)
        XCTAssertEqual(info.domainSalt, SigningDomain.salt(chainId: info.chainId, genesisHash: f.engine.genesisHash).bytes)
        // A client signing in the served domain is accepted.
        let served = try info.signingDomain()
        let ok = try await f.submit(f.transfer(from: 1, to: f.keys[2].address, value: 1, nonce: 0, domain: served))
        XCTAssertEqual(ok.status, .sequenced, ok.rejectionReason)
        await f.stop()
    }

    func testATransferOfAnotherDeploymentIsRejectedAndOneWithoutASaltIsMalformed() async throws {
        let f = try await SettlementFixture.start()
        // Another deployment of the same chain id: another genesis.
        let other = SigningDomain(genesis: Genesis(chainId: SettlementFixture.chainId, allocations: [(f.keys[1].address, 5)]))
        let replay = try await f.submit(f.transfer(from: 1, to: f.keys[2].address, value: 1, nonce: 0, domain: other))
        XCTAssertEqual(replay.status, .rejected)
        XCTAssertTrue(replay.rejectionReason.contains("signed for another deployment"), replay.rejectionReason)
        XCTAssertTrue(replay.rejectionReason.contains(f.engine.domain.salt.description), replay.rejectionReason)

        var unsalted = SettlementV1.SignedTransfer(f.transfer(from: 1, to: f.keys[2].address, value: 1, nonce: 0))
        unsalted.domainSalt = []
        let e = await assertRPCError(.invalidArgument) {
            _ = try await f.client.unary(SettlementMethods.submitTransaction, unsalted)
        }
        XCTAssertTrue(e?.message.contains("domain_salt") ?? false, e?.message ?? "")
        await f.stop()
    }
}
