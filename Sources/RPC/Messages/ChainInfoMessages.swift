import CProtos
import Settlement

// MARK: - Chain info

extension SettlementV1 {
    /// `settlement.v1.GetChainInfoRequest` (no fields).
    public struct GetChainInfoRequest: ProtoMessage, Hashable {
        /// Creates a request.
        public init() {}

        static func cMessage() -> Settlement__V1__GetChainInfoRequest {
            CMessage.make(Settlement__V1__GetChainInfoRequest(), settlement__v1__get_chain_info_request__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__GetChainInfoRequest.self) { _ in GetChainInfoRequest() }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.ChainInfo`: the deployment's EIP-712 domain and what it is derived from, so a
    /// client signs for this deployment and no other.
    public struct ChainInfo: ProtoMessage, Hashable {
        /// The EIP-712 domain chain id.
        public var chainId: UInt64
        /// The EIP-712 domain salt (32 bytes).
        public var domainSalt: [UInt8]
        /// `Genesis.hash` (32 bytes).
        public var genesisHash: [UInt8]
        /// The EIP-712 domain name and version.
        public var domainName: String
        public var domainVersion: String
        /// The fee account (20 bytes) and the largest fee (32 bytes, big-endian).
        public var feeAccount: [UInt8]
        public var maxFee: [UInt8]

        /// Creates a message from raw fields (nothing is checked).
        public init(chainId: UInt64 = 0, domainSalt: [UInt8] = [], genesisHash: [UInt8] = [], domainName: String = "",
                    domainVersion: String = "", feeAccount: [UInt8] = [], maxFee: [UInt8] = []) {
            self.chainId = chainId
            self.domainSalt = domainSalt
            self.genesisHash = genesisHash
            self.domainName = domainName
            self.domainVersion = domainVersion
            self.feeAccount = feeAccount
            self.maxFee = maxFee
        }

        /// The message describing `domain`, made from the genesis with hash `genesisHash`.
        public init(domain: SigningDomain, genesisHash: Digest32, feeAccount: Address, maxFee: UInt256) {
            self.init(chainId: domain.chainId, domainSalt: domain.salt.bytes, genesisHash: genesisHash.bytes,
                      domainName: EIP712.domainName, domainVersion: EIP712.domainVersion,
                      feeAccount: feeAccount.bytes, maxFee: maxFee.bigEndianBytes)
        }

        /// The signing domain, after checking the salt's length.
        public func signingDomain() throws(RPCError) -> SigningDomain {
            SigningDomain(chainId: chainId, salt: try SettlementV1.Validate.digest(domainSalt, field: "domain_salt"))
        }

        static func cMessage() -> Settlement__V1__ChainInfo {
            CMessage.make(Settlement__V1__ChainInfo(), settlement__v1__chain_info__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__ChainInfo.self) { p in
                let m = p.pointee
                return ChainInfo(chainId: m.chain_id, domainSalt: ProtobufC.bytes(m.domain_salt),
                                 genesisHash: ProtobufC.bytes(m.genesis_hash), domainName: ProtobufC.string(m.domain_name),
                                 domainVersion: ProtobufC.string(m.domain_version), feeAccount: ProtobufC.bytes(m.fee_account),
                                 maxFee: ProtobufC.bytes(m.max_fee))
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.chain_id = chainId
            m.domain_salt = arena.bytes(domainSalt)
            m.genesis_hash = arena.bytes(genesisHash)
            m.domain_name = arena.string(domainName)
            m.domain_version = arena.string(domainVersion)
            m.fee_account = arena.bytes(feeAccount)
            m.max_fee = arena.bytes(maxFee)
            return CMessage.pack(&m, keeping: arena)
        }
    }
}
