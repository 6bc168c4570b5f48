/// The deployment a signature is for: the EIP-712 domain's `chainId` and `salt`.
///
/// A chain id alone does not tell two deployments apart (a test network and a production network
/// can share one), so a signature made for one would be valid on the other. The salt binds every
/// signature, every transaction id and every exit address to one deployment:
///
///     salt = keccak256("L2 Settlement deployment" ‖ genesis hash ‖ chainId as uint256)
///
/// where the genesis hash is `Genesis.hash` (keccak over the chain id and the sorted allocations),
/// which the engine, the validator, the arbiter and any client holding the genesis file compute
/// alike. Two deployments differ in their salt unless they share both genesis and chain id (an
/// operator error `--production` makes harder by refusing well-known chain ids).
public struct SigningDomain: Sendable, Hashable, CustomStringConvertible {
    /// The EIP-712 `chainId`.
    public let chainId: UInt64
    /// The EIP-712 `salt`.
    public let salt: Digest32

    /// The domain-separation prefix of the salt's preimage.
    public static let saltTag = "L2 Settlement deployment"

    /// A domain from its two fields (as a client learns them from the engine).
    public init(chainId: UInt64, salt: Digest32) {
        self.chainId = chainId
        self.salt = salt
    }

    /// The domain of the deployment whose genesis hashes to `genesisHash`, on `chainId`.
    public init(chainId: UInt64, genesisHash: Digest32) {
        self.init(chainId: chainId, salt: Self.salt(chainId: chainId, genesisHash: genesisHash))
    }

    /// The domain of the deployment made from `genesis` (its own chain id).
    public init(genesis: Genesis) {
        self.init(chainId: genesis.chainId, genesisHash: genesis.hash)
    }

    /// keccak256("L2 Settlement deployment" ‖ genesisHash ‖ uint256(chainId)).
    public static func salt(chainId: UInt64, genesisHash: Digest32) -> Digest32 {
        Keccak256.hash(Array(saltTag.utf8) + genesisHash.bytes + UInt256(chainId).bigEndianBytes)
    }

    public var description: String { "chain id \(chainId), salt \(salt)" }
}
