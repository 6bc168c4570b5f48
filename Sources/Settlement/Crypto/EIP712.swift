import Synchronization

/// EIP-712 typed-data hashing for transfers, so that any Ethereum wallet or library
/// (`eth_signTypedData_v4`, ethers' `signTypedData`, eth-account's `sign_typed_data`) can sign one.
///
///     domain  EIP712Domain(string name,string version,uint256 chainId,bytes32 salt)
///             name "L2 Settlement", version "1", chainId = the rollup's chain id,
///             salt = the deployment's salt (`SigningDomain`)
///     primary Transfer(address from,address to,uint256 value,uint256 fee,uint64 nonce)
///     digest  keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ hashStruct(transfer))
///
/// Everything is encoded in fixed 32-byte words on the stack (strings are hashed, addresses and
/// integers left-padded big-endian), so a digest costs three Keccak permutations plus one for the
/// domain separator, which is cached per domain.
public enum EIP712 {
    /// The domain's `name` field.
    public static let domainName = "L2 Settlement"
    /// The domain's `version` field.
    public static let domainVersion = "1"
    /// The encoded type of the domain struct.
    public static let domainType = "EIP712Domain(string name,string version,uint256 chainId,bytes32 salt)"
    /// The encoded type of the primary struct.
    public static let transferType = "Transfer(address from,address to,uint256 value,uint256 fee,uint64 nonce)"

    /// keccak256(domainType).
    public static let domainTypeHash = Keccak256.hash(utf8: domainType)
    /// keccak256(transferType).
    public static let transferTypeHash = Keccak256.hash(utf8: transferType)
    // `string` members are encoded as the hash of their UTF-8 bytes.
    static let nameHash = Keccak256.hash(utf8: domainName)
    static let versionHash = Keccak256.hash(utf8: domainVersion)

    private static let separators = Lock<[SigningDomain: Digest32]>([:])

    /// The domain separator of `domain`, computed once per domain and cached.
    public static func domainSeparator(_ domain: SigningDomain) -> Digest32 {
        if let d = separators.withLock({ $0[domain] }) { return d }
        let d = computeDomainSeparator(domain)
        separators.withLock { $0[domain] = d }
        return d
    }

    /// hashStruct(EIP712Domain{name, version, chainId, salt}) without the cache.
    public static func computeDomainSeparator(_ domain: SigningDomain) -> Digest32 {
        var words = Words6() // 160 bytes used of 192
        return withUnsafeMutableBytes(of: &words) { b in
            let p = b.baseAddress!
            domainTypeHash.store(to: p)
            nameHash.store(to: p + 32)
            versionHash.store(to: p + 64)
            UInt256(domain.chainId).storeBigEndian(to: p + 96)
            domain.salt.store(to: p + 128)
            return Keccak256.hash(UnsafeRawBufferPointer(rebasing: b[0..<160]))
        }
    }

    /// hashStruct(Transfer): keccak256(typeHash ‖ from ‖ to ‖ value ‖ fee ‖ nonce), each member one
    /// 32-byte word (addresses left-padded with 12 zero bytes, integers big-endian).
    public static func structHash(_ t: Transfer) -> Digest32 {
        var words = Words6()
        return withUnsafeMutableBytes(of: &words) { b in
            let p = b.baseAddress!
            transferTypeHash.store(to: p)
            t.from.bytes.withUnsafeBytes { p.advanced(by: 32 + 12).copyMemory(from: $0.baseAddress!, byteCount: 20) }
            t.to.bytes.withUnsafeBytes { p.advanced(by: 64 + 12).copyMemory(from: $0.baseAddress!, byteCount: 20) }
            t.value.storeBigEndian(to: p + 96)
            t.fee.storeBigEndian(to: p + 128)
            UInt256(t.nonce).storeBigEndian(to: p + 160)
            return Keccak256.hash(UnsafeRawBufferPointer(b))
        }
    }

    /// keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash): the 32 bytes that are signed.
    public static func digest(domainSeparator: Digest32, structHash: Digest32) -> Digest32 {
        var words = Words4() // 66 bytes used of 128
        return withUnsafeMutableBytes(of: &words) { b in
            let p = b.baseAddress!
            p.storeBytes(of: 0x19, as: UInt8.self)
            p.storeBytes(of: 0x01, toByteOffset: 1, as: UInt8.self)
            domainSeparator.store(to: p + 2)
            structHash.store(to: p + 34)
            return Keccak256.hash(UnsafeRawBufferPointer(rebasing: b[0..<66]))
        }
    }

    /// The EIP-712 digest of a transfer in `domain` (its transaction id).
    public static func digest(_ t: Transfer, domain: SigningDomain) -> Digest32 {
        digest(domainSeparator: domainSeparator(domain), structHash: structHash(t))
    }

    /// 128 zeroed bytes on the stack.
    private struct Words4 {
        var w: (Digest32, Digest32, Digest32, Digest32) = (.zero, .zero, .zero, .zero)
    }

    /// 192 zeroed bytes on the stack.
    private struct Words6 {
        var w: (Digest32, Digest32, Digest32, Digest32, Digest32, Digest32) = (.zero, .zero, .zero, .zero, .zero, .zero)
    }
}
