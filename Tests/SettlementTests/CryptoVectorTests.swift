import Foundation
import XCTest
@testable import Settlement

/// Checks Keccak-256, EIP-712 hashing (in the salted deployment domain), deployment salts and
/// exit addresses, and secp256k1 recovery against vectors made by independent libraries (eth-hash/pycryptodome, eth-account, eth-keys): Tests/vectors/make_vectors.py.
final class CryptoVectorTests: XCTestCase {
    struct Vectors: Decodable {
        struct EIP712Types: Decodable {
            let domain_type: String
            let transfer_type: String
            let domain_type_hash: String
            let transfer_type_hash: String
        }
        struct KeccakCase: Decodable {
            let name: String
            let input: String
            let hash: String
        }
        struct TransferCase: Decodable {
            let name: String
            let private_key: String
            let signer: String
            let chain_id: String
            let salt: String
            let from: String
            let to: String
            let value: String
            let fee: String
            let nonce: String
            let domain_separator: String
            let struct_hash: String
            let digest: String
            let signature: String
        }
        struct DeploymentCase: Decodable {
            let name: String
            let chain_id: String
            let alloc: [String: String]
            let genesis_hash: String
            let salt: String
            let l1_recipient: String
            let exit_address: String
        }
        struct NegativeCase: Decodable {
            let name: String
            let kind: String
            let digest: String
            let signature: String
            let signer: String
            let permissive_recovered: String?
            let high_s: Bool
        }
        let eip712: EIP712Types
        let keccak256: [KeccakCase]
        let keccak256_lengths: [String]
        let transfers: [TransferCase]
        let deployments: [DeploymentCase]
        let negative: [NegativeCase]
    }

    static let vectors: Vectors = {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("vectors/crypto_vectors.json")
        do {
            return try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot load \(url.path): \(error)")
        }
    }()

    private func hex(_ s: String, file: StaticString = #filePath, line: UInt = #line) -> [UInt8] {
        guard let b = Hex.decodePrefixed(s) else {
            XCTFail("bad hex in vectors: \(s)", file: file, line: line)
            return []
        }
        return b
    }

    private func digest(_ s: String) -> Digest32 {
        guard let d = Digest32(hex: s) else { fatalError("bad digest hex in vectors: \(s)") }
        return d
    }

    private func transfer(_ c: Vectors.TransferCase) throws -> (Transfer, SigningDomain) {
        let t = Transfer(from: try XCTUnwrap(Address(hex: c.from)),
                         to: try XCTUnwrap(Address(hex: c.to)),
                         value: try XCTUnwrap(UInt256(decimal: c.value)),
                         fee: try XCTUnwrap(UInt256(decimal: c.fee)),
                         nonce: try XCTUnwrap(UInt64(c.nonce)))
        return (t, SigningDomain(chainId: try XCTUnwrap(UInt64(c.chain_id)), salt: digest(c.salt)))
    }

    // MARK: Keccak-256

    func testKeccakNamedInputs() {
        let v = Self.vectors
        XCTAssertGreaterThanOrEqual(v.keccak256.count, 8)
        for c in v.keccak256 {
            let input = hex(c.input)
            XCTAssertEqual(Keccak256.hash(input).hex, c.hash, c.name)
            XCTAssertEqual(input.withUnsafeBytes { Keccak256.hash($0) }.hex, c.hash, c.name)
            if input.count == 64 {
                let l = Digest32(bytes: input[0..<32])!, r = Digest32(bytes: input[32..<64])!
                XCTAssertEqual(Keccak256.hash(left: l, right: r).hex, c.hash, "\(c.name) (left/right)")
                XCTAssertEqual(input.withUnsafeBytes { Keccak256.hash64($0.baseAddress!) }.hex, c.hash, "\(c.name) (hash64)")
            }
        }
    }

    func testKeccakEveryLengthAcrossBlockBoundaries() {
        let hashes = Self.vectors.keccak256_lengths
        XCTAssertEqual(hashes.count, 301)
        let data = (0..<300).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
        for n in 0...300 {
            XCTAssertEqual(Keccak256.hash(data[0..<n]).hex, hashes[n], "length \(n)")
        }
    }

    func testKeccakUnalignedInput() {
        // Lanes are read with unaligned loads: hashing from an odd offset must not change anything.
        let data = (0..<301).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
        let shifted = [0xAA] + data
        shifted.withUnsafeBytes { b in
            let sub = UnsafeRawBufferPointer(rebasing: b[1..<201])
            XCTAssertEqual(Keccak256.hash(sub).hex, Self.vectors.keccak256_lengths[200])
        }
    }

    // MARK: EIP-712

    func testEIP712TypeHashes() {
        let e = Self.vectors.eip712
        XCTAssertEqual(EIP712.domainType, e.domain_type)
        XCTAssertEqual(EIP712.transferType, e.transfer_type)
        XCTAssertEqual(EIP712.domainTypeHash.hex, e.domain_type_hash)
        XCTAssertEqual(EIP712.transferTypeHash.hex, e.transfer_type_hash)
    }

    func testEIP712DigestsMatchEthAccount() throws {
        let cases = Self.vectors.transfers
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        for c in cases {
            let (t, domain) = try transfer(c)
            XCTAssertEqual(EIP712.computeDomainSeparator(domain).hex, c.domain_separator, c.name)
            XCTAssertEqual(EIP712.domainSeparator(domain).hex, c.domain_separator, "\(c.name) (cached)")
            XCTAssertEqual(EIP712.structHash(t).hex, c.struct_hash, c.name)
            XCTAssertEqual(EIP712.digest(t, domain: domain).hex, c.digest, c.name)
            let signed = SignedTransfer(transfer: t, domain: domain, signature: hex(c.signature))
            XCTAssertEqual(signed.id.hex, c.digest, c.name)
            // The vector's salt is that of the genesis funding the signer with `value`.
            let genesis = Genesis(chainId: domain.chainId, allocations: [(t.from, t.value)])
            XCTAssertEqual(SigningDomain(genesis: genesis), domain, c.name)
        }
    }

    /// Genesis hash, deployment salt and exit address as an independent implementation
    /// (make_vectors.py, from the genesis allocations alone) computes them; geneses sharing a chain
    /// id get different salts and exit addresses.
    func testDeploymentSaltsAndExitAddressesMatchTheVectors() throws {
        let cases = Self.vectors.deployments
        XCTAssertGreaterThanOrEqual(cases.count, 4)
        for c in cases {
            let chainId = try XCTUnwrap(UInt64(c.chain_id))
            let alloc = try c.alloc.map { (try XCTUnwrap(Address(hex: $0.key)), try XCTUnwrap(UInt256(decimal: $0.value))) }
            let genesis = Genesis(chainId: chainId, allocations: alloc)
            XCTAssertEqual(genesis.hash.hex, c.genesis_hash, c.name)
            let domain = SigningDomain(genesis: genesis)
            XCTAssertEqual(domain.salt.hex, c.salt, c.name)
            let recipient = try XCTUnwrap(Address(hex: c.l1_recipient))
            XCTAssertEqual(Withdrawals.exitAddress(for: recipient, in: domain).description.lowercased(), c.exit_address, c.name)
        }
        XCTAssertEqual(Set(cases.map(\.salt)).count, cases.count, "every genesis has its own salt")
        XCTAssertEqual(Set(cases.map(\.exit_address)).count, cases.count, "and its own exit addresses")
    }

    // MARK: Recovery

    func testRecoveredSignersMatchEthAccount() throws {
        for c in Self.vectors.transfers {
            let (t, domain) = try transfer(c)
            let signed = SignedTransfer(transfer: t, domain: domain, signature: hex(c.signature))
            let expected = try XCTUnwrap(Address(hex: c.signer))
            XCTAssertEqual(try signed.recoverSigner(), expected, c.name)
            XCTAssertNoThrow(try signed.verify(), c.name)
            // The key in the vector derives the same address, and our own signature (RFC 6979,
            // like eth-account) is byte-identical.
            let key = try PrivateKey(hex: c.private_key)
            XCTAssertEqual(key.address, expected, c.name)
            XCTAssertEqual(Hex.encode(key.sign(digest: signed.id)), c.signature, c.name)
            XCTAssertEqual(try Secp256k1.recoverPublicKey(digest: signed.id, signature: signed.signature), key.publicKey, c.name)
        }
    }

    /// One encoding of v: 27/28 recover; the raw recovery ids 0/1 of the same signature are refused.
    func testOnlyTwentySevenAndTwentyEightAreAcceptedAsV() throws {
        for c in Self.vectors.transfers {
            let d = digest(c.digest)
            var sig = hex(c.signature)
            let expected = try XCTUnwrap(Address(hex: c.signer))
            XCTAssertTrue(sig[64] == 27 || sig[64] == 28)
            XCTAssertEqual(try Secp256k1.recoverAddress(digest: d, signature: sig), expected)
            sig[64] -= 27
            XCTAssertThrowsError(try Secp256k1.recoverAddress(digest: d, signature: sig), "\(c.name) v=\(sig[64])") { error in
                XCTAssertEqual(error as? SignatureError, .invalidRecoveryID(sig[64]))
            }
        }
    }

    func testNegativeCases() throws {
        let cases = Self.vectors.negative
        XCTAssertTrue(cases.contains { $0.kind == "high_s" })
        XCTAssertTrue(cases.contains { $0.kind == "flipped" && $0.permissive_recovered == nil })
        XCTAssertTrue(cases.contains { $0.kind == "flipped" && $0.permissive_recovered != nil })
        for c in cases {
            let d = digest(c.digest)
            let sig = hex(c.signature)
            let signer = try XCTUnwrap(Address(hex: c.signer))
            let result = Result { () throws(SignatureError) in try Secp256k1.recoverAddress(digest: d, signature: sig) }
            switch c.kind {
            case "high_s":
                XCTAssertEqual(result.cryptoFailure, .highS, c.name)
            case "flipped":
                switch result {
                case .success(let a):
                    // Any address we recover must be the one an independent library recovers, and
                    // never the original signer.
                    XCTAssertNotEqual(a, signer, c.name)
                    XCTAssertEqual(a, c.permissive_recovered.flatMap { Address(hex: $0) }, c.name)
                case .failure(let e):
                    // We reject exactly what eth-keys cannot recover, plus high-s forms it accepts.
                    if c.high_s { XCTAssertEqual(e, .highS, c.name) } else {
                        XCTAssertNil(c.permissive_recovered, "\(c.name): rejected with \(e) but eth-keys recovers")
                    }
                }
            case "malformed":
                XCTAssertNotNil(result.cryptoFailure, c.name)
            default:
                XCTFail("unknown vector kind \(c.kind)")
            }
        }
        // The specific reasons for the malformed ones.
        let byName = Dictionary(uniqueKeysWithValues: cases.map { ($0.name, $0) })
        func failure(_ suffix: String) -> SignatureError? {
            guard let c = byName.first(where: { $0.key.hasSuffix(suffix) })?.value else { return nil }
            return Result { () throws(SignatureError) in
                try Secp256k1.recoverAddress(digest: digest(c.digest), signature: hex(c.signature))
            }.cryptoFailure
        }
        XCTAssertEqual(failure(" v = 29"), .invalidRecoveryID(29))
        XCTAssertEqual(failure(" v = 2"), .invalidRecoveryID(2))
        XCTAssertEqual(failure(" r = 0"), .rOutOfRange)
        XCTAssertEqual(failure(" r = n"), .rOutOfRange)
        XCTAssertEqual(failure(" s = 0"), .sOutOfRange)
        XCTAssertEqual(failure(" s = n"), .sOutOfRange)
        XCTAssertEqual(failure(" 64 bytes"), .invalidSignatureLength(64))
    }

    func testTamperedTransferFailsVerification() throws {
        let c = Self.vectors.transfers[2]
        var (t, domain) = try transfer(c)
        let sig = hex(c.signature)
        t.value = try t.value.adding(.one)
        let tampered = SignedTransfer(transfer: t, domain: domain, signature: sig)
        XCTAssertThrowsError(try tampered.verify()) { e in
            guard case .signerMismatch(let expected, _) = e as? SignatureError else {
                return XCTFail("expected signerMismatch, got \(e)")
            }
            XCTAssertEqual(expected, t.from)
        }
        // Same transfer replayed on another chain: different digest, different signer.
        let (t2, _) = try transfer(c)
        XCTAssertThrowsError(try SignedTransfer(transfer: t2, domain: SigningDomain(chainId: domain.chainId + 1, salt: domain.salt),
                                                signature: sig).verify())
        // And in another deployment of the same chain (another salt): different digest, different signer.
        XCTAssertThrowsError(try SignedTransfer(transfer: t2, domain: SigningDomain(chainId: domain.chainId, salt: Keccak256.hash(utf8: "other")),
                                                signature: sig).verify())
    }
}

private extension Result {
    var cryptoFailure: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
