import CProtobufC
import CProtos
import Settlement

// settlement.v1.Validator messages (Protos/settlement/v1/validator.proto): validator stakes,
// challenge games, commitment finality and withdrawal claims, over the engine's L1 client.
//
// Same pattern as SettlementMessages.swift: each wrapper holds the raw wire fields; decoding checks
// only the protobuf encoding, the service checks every length (`SettlementV1.Validate`).

// MARK: - Enums

extension SettlementV1 {
    /// `settlement.v1.GamePhase`: where a challenge game stands.
    public enum GamePhase: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case unspecified = 0
        case batches = 1
        case transactions = 2
        case oneStep = 3
        case resolved = 4
        case voided = 5

        public var description: String {
            switch self {
            case .unspecified: "GAME_PHASE_UNSPECIFIED"
            case .batches: "GAME_PHASE_BATCHES"
            case .transactions: "GAME_PHASE_TRANSACTIONS"
            case .oneStep: "GAME_PHASE_ONE_STEP"
            case .resolved: "GAME_PHASE_RESOLVED"
            case .voided: "GAME_PHASE_VOIDED"
            }
        }

        /// Unrecognised wire values decode as `.unspecified`.
        init(wire: Settlement__V1__GamePhase) { self = GamePhase(rawValue: CMessage.wireValue(wire)) ?? .unspecified }
        var wire: Settlement__V1__GamePhase { CMessage.enumValue(rawValue, as: Settlement__V1__GamePhase.self) }
    }

    /// `settlement.v1.GameParty`: a side of a challenge game.
    public enum GameParty: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case unspecified = 0
        case proposer = 1
        case challenger = 2

        public var description: String {
            switch self {
            case .unspecified: "GAME_PARTY_UNSPECIFIED"
            case .proposer: "GAME_PARTY_PROPOSER"
            case .challenger: "GAME_PARTY_CHALLENGER"
            }
        }

        /// Unrecognised wire values decode as `.unspecified`.
        init(wire: Settlement__V1__GameParty) { self = GameParty(rawValue: CMessage.wireValue(wire)) ?? .unspecified }
        var wire: Settlement__V1__GameParty { CMessage.enumValue(rawValue, as: Settlement__V1__GameParty.self) }
    }

    /// `settlement.v1.GameResult`: how a challenge game ended, or `.open`.
    public enum GameResult: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case open = 0
        case proposerWon = 1
        case challengerWon = 2
        case voided = 3

        public var description: String {
            switch self {
            case .open: "GAME_RESULT_OPEN"
            case .proposerWon: "GAME_RESULT_PROPOSER_WON"
            case .challengerWon: "GAME_RESULT_CHALLENGER_WON"
            case .voided: "GAME_RESULT_VOIDED"
            }
        }

        /// Unrecognised wire values decode as `.open`.
        init(wire: Settlement__V1__GameResult) { self = GameResult(rawValue: CMessage.wireValue(wire)) ?? .open }
        var wire: Settlement__V1__GameResult { CMessage.enumValue(rawValue, as: Settlement__V1__GameResult.self) }
    }

    /// `settlement.v1.CommitmentState`: how final a commitment is on L1.
    public enum CommitmentState: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case unspecified = 0
        case posted = 1
        case l1Confirmed = 2
        case finalized = 3
        case reverted = 4

        public var description: String {
            switch self {
            case .unspecified: "COMMITMENT_STATE_UNSPECIFIED"
            case .posted: "COMMITMENT_STATE_POSTED"
            case .l1Confirmed: "COMMITMENT_STATE_L1_CONFIRMED"
            case .finalized: "COMMITMENT_STATE_FINALIZED"
            case .reverted: "COMMITMENT_STATE_REVERTED"
            }
        }

        /// Unrecognised wire values decode as `.unspecified`.
        init(wire: Settlement__V1__CommitmentState) {
            self = CommitmentState(rawValue: CMessage.wireValue(wire)) ?? .unspecified
        }
        var wire: Settlement__V1__CommitmentState { CMessage.enumValue(rawValue, as: Settlement__V1__CommitmentState.self) }
    }
}

// MARK: - Stake calls

extension SettlementV1 {
    /// `settlement.v1.RegisterValidatorRequest`.
    public struct RegisterValidatorRequest: ProtoMessage, Hashable {
        /// The validator's L1 address (20 bytes on a valid request).
        public var address: [UInt8]
        /// Initial stake, big-endian uint256 (32 bytes).
        public var stake: [UInt8]

        /// Creates a request (nothing is checked).
        public init(address: [UInt8] = [], stake: [UInt8] = []) {
            self.address = address
            self.stake = stake
        }

        static func cMessage() -> Settlement__V1__RegisterValidatorRequest {
            CMessage.make(Settlement__V1__RegisterValidatorRequest(), settlement__v1__register_validator_request__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__RegisterValidatorRequest.self) { p in
                RegisterValidatorRequest(address: ProtobufC.bytes(p.pointee.address), stake: ProtobufC.bytes(p.pointee.stake))
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.address = arena.bytes(address)
            m.stake = arena.bytes(stake)
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.StakeRequest`: `AddStake` and `RequestUnstake`.
    public struct StakeRequest: ProtoMessage, Hashable {
        /// The validator's L1 address (20 bytes).
        public var address: [UInt8]
        /// Amount, big-endian uint256 (32 bytes).
        public var amount: [UInt8]

        /// Creates a request (nothing is checked).
        public init(address: [UInt8] = [], amount: [UInt8] = []) {
            self.address = address
            self.amount = amount
        }

        static func cMessage() -> Settlement__V1__StakeRequest {
            CMessage.make(Settlement__V1__StakeRequest(), settlement__v1__stake_request__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__StakeRequest.self) { p in
                StakeRequest(address: ProtobufC.bytes(p.pointee.address), amount: ProtobufC.bytes(p.pointee.amount))
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.address = arena.bytes(address)
            m.amount = arena.bytes(amount)
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.ValidatorAddress`: `WithdrawStake` and `GetValidator`.
    public struct ValidatorAddress: ProtoMessage, Hashable {
        /// The validator's L1 address (20 bytes).
        public var address: [UInt8]

        /// Creates a request (nothing is checked).
        public init(address: [UInt8] = []) { self.address = address }

        static func cMessage() -> Settlement__V1__ValidatorAddress {
            CMessage.make(Settlement__V1__ValidatorAddress(), settlement__v1__validator_address__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__ValidatorAddress.self) { p in
                ValidatorAddress(address: ProtobufC.bytes(p.pointee.address))
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.address = arena.bytes(address)
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.L1CallResult`: an L1 transaction the engine submitted for the caller.
    public struct L1CallResult: ProtoMessage, Hashable {
        /// The L1 transaction hash (32 bytes).
        public var l1TxHash: [UInt8]
        /// The including block; 0 when not included yet.
        public var l1BlockNumber: UInt64
        /// The arbiter's events, one line each.
        public var events: [String]
        /// The amount the call moved (32 bytes), empty when not included yet.
        public var amount: [UInt8]

        /// Creates a result.
        public init(l1TxHash: [UInt8] = [], l1BlockNumber: UInt64 = 0, events: [String] = [], amount: [UInt8] = []) {
            self.l1TxHash = l1TxHash
            self.l1BlockNumber = l1BlockNumber
            self.events = events
            self.amount = amount
        }

        static func cMessage() -> Settlement__V1__L1CallResult {
            CMessage.make(Settlement__V1__L1CallResult(), settlement__v1__l1_call_result__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__L1CallResult.self) { p in
                let m = p.pointee
                return L1CallResult(l1TxHash: ProtobufC.bytes(m.l1_tx_hash), l1BlockNumber: m.l1_block_number,
                                    events: ProtobufC.array(m.events, m.n_events, ProtobufC.string),
                                    amount: ProtobufC.bytes(m.amount))
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.l1_tx_hash = arena.bytes(l1TxHash)
            m.l1_block_number = l1BlockNumber
            m.n_events = events.count
            m.events = arena.array(events.map { Optional(arena.string($0)) })
            m.amount = arena.bytes(amount)
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.ValidatorInfo`: a validator's stake at the L1 head.
    public struct ValidatorInfo: ProtoMessage, Hashable {
        /// 20 bytes.
        public var address: [UInt8]
        /// False when the arbiter knows no stake of the address.
        public var registered: Bool
        /// Active stake (32 bytes).
        public var stake: [UInt8]
        /// Unstaking amount (32 bytes).
        public var unstaking: [UInt8]
        /// L1 time the unstaking amount unlocks; 0 when nothing is unstaking.
        public var unlockAtMs: UInt64
        /// Open games in which the address is the challenger.
        public var openGames: [UInt64]
        /// The L1 head read, and its time.
        public var l1BlockNumber: UInt64
        public var l1TimeMs: UInt64

        /// Creates a message.
        public init(address: [UInt8] = [], registered: Bool = false, stake: [UInt8] = [], unstaking: [UInt8] = [],
                    unlockAtMs: UInt64 = 0, openGames: [UInt64] = [], l1BlockNumber: UInt64 = 0, l1TimeMs: UInt64 = 0) {
            self.address = address
            self.registered = registered
            self.stake = stake
            self.unstaking = unstaking
            self.unlockAtMs = unlockAtMs
            self.openGames = openGames
            self.l1BlockNumber = l1BlockNumber
            self.l1TimeMs = l1TimeMs
        }

        static func cMessage() -> Settlement__V1__ValidatorInfo {
            CMessage.make(Settlement__V1__ValidatorInfo(), settlement__v1__validator_info__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__ValidatorInfo.self) { p in
                let m = p.pointee
                return ValidatorInfo(address: ProtobufC.bytes(m.address), registered: m.registered != 0,
                                     stake: ProtobufC.bytes(m.stake), unstaking: ProtobufC.bytes(m.unstaking),
                                     unlockAtMs: m.unlock_at_ms, openGames: ProtobufC.array(m.open_games, m.n_open_games) { $0 },
                                     l1BlockNumber: m.l1_block_number, l1TimeMs: m.l1_time_ms)
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.address = arena.bytes(address)
            m.registered = registered ? 1 : 0
            m.stake = arena.bytes(stake)
            m.unstaking = arena.bytes(unstaking)
            m.unlock_at_ms = unlockAtMs
            m.n_open_games = openGames.count
            m.open_games = arena.array(openGames)
            m.l1_block_number = l1BlockNumber
            m.l1_time_ms = l1TimeMs
            return CMessage.pack(&m, keeping: arena)
        }
    }
}

// MARK: - Challenges

extension SettlementV1 {
    /// `settlement.v1.ListChallengesRequest`.
    public struct ListChallengesRequest: ProtoMessage, Hashable {
        /// The first game id.
        public var fromId: UInt64
        /// At most this many (0: the server default).
        public var limit: UInt32

        /// Creates a request.
        public init(fromId: UInt64 = 0, limit: UInt32 = 0) {
            self.fromId = fromId
            self.limit = limit
        }

        static func cMessage() -> Settlement__V1__ListChallengesRequest {
            CMessage.make(Settlement__V1__ListChallengesRequest(), settlement__v1__list_challenges_request__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__ListChallengesRequest.self) { p in
                ListChallengesRequest(fromId: p.pointee.from_id, limit: p.pointee.limit)
            }
        }

        public func protobufBytes() -> [UInt8] {
            var m = Self.cMessage()
            m.from_id = fromId
            m.limit = limit
            return CMessage.pack(&m, keeping: ProtobufCArena())
        }
    }

    /// `settlement.v1.Challenge`: one challenge game.
    public struct Challenge: ProtoMessage, Hashable {
        public var id: UInt64
        /// The disputed commitment.
        public var commitmentIndex: UInt64
        /// 20 bytes each.
        public var challenger: [UInt8]
        public var proposer: [UInt8]
        public var phase: GamePhase
        /// Whose move it is (`.unspecified` once over).
        public var turn: GameParty
        /// Last L1 time the side to move may move.
        public var deadlineMs: UInt64
        public var result: GameResult
        /// "one-step proof", "timeout", "empty batch", or empty.
        public var resolution: String
        /// The disputed range of steps.
        public var rangeLo: UInt64
        public var rangeHi: UInt64

        /// Creates a message.
        public init(id: UInt64 = 0, commitmentIndex: UInt64 = 0, challenger: [UInt8] = [], proposer: [UInt8] = [],
                    phase: GamePhase = .unspecified, turn: GameParty = .unspecified, deadlineMs: UInt64 = 0,
                    result: GameResult = .open, resolution: String = "", rangeLo: UInt64 = 0, rangeHi: UInt64 = 0) {
            self.id = id
            self.commitmentIndex = commitmentIndex
            self.challenger = challenger
            self.proposer = proposer
            self.phase = phase
            self.turn = turn
            self.deadlineMs = deadlineMs
            self.result = result
            self.resolution = resolution
            self.rangeLo = rangeLo
            self.rangeHi = rangeHi
        }

        /// The wire form of an arbiter game.
        public init(_ g: L1Game) {
            let phase: GamePhase
            var result = GameResult.open
            var resolution = ""
            if g.voided {
                phase = .voided
                result = .voided
            } else {
                switch g.game.phase {
                case .batches: phase = .batches
                case .transactions: phase = .transactions
                case .oneStep: phase = .oneStep
                case .resolved(let winner, let by):
                    phase = .resolved
                    result = winner == .proposer ? .proposerWon : .challengerWon
                    switch by {
                    case .oneStepProof: resolution = "one-step proof"
                    case .timeout: resolution = "timeout"
                    case .emptyBatch: resolution = "empty batch"
                    case .undecodableData: resolution = "undecodable data"
                    }
                }
            }
            let turn: GameParty = g.isOpen ? (g.game.turn == .proposer ? .proposer : g.game.turn == .challenger ? .challenger
                                                                                                 : .unspecified) : .unspecified
            self.init(id: g.id, commitmentIndex: g.commitmentIndex, challenger: g.challenger.bytes, proposer: g.proposer.bytes,
                      phase: phase, turn: turn, deadlineMs: g.game.deadlineMs, result: result, resolution: resolution,
                      rangeLo: UInt64(max(0, g.game.lo)), rangeHi: UInt64(max(0, g.game.hi)))
        }

        static func cMessage() -> Settlement__V1__Challenge {
            CMessage.make(Settlement__V1__Challenge(), settlement__v1__challenge__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__Challenge.self) { Challenge($0.pointee) }
        }

        /// From an unpacked C struct (only valid while the struct is).
        init(_ m: Settlement__V1__Challenge) {
            self.init(id: m.id, commitmentIndex: m.commitment_index, challenger: ProtobufC.bytes(m.challenger),
                      proposer: ProtobufC.bytes(m.proposer), phase: GamePhase(wire: m.phase), turn: GameParty(wire: m.turn),
                      deadlineMs: m.deadline_ms, result: GameResult(wire: m.result),
                      resolution: ProtobufC.string(m.resolution), rangeLo: m.range_lo, rangeHi: m.range_hi)
        }

        /// The C struct, its memory owned by `arena`.
        func cStruct(in arena: ProtobufCArena) -> Settlement__V1__Challenge {
            var m = Self.cMessage()
            m.id = id
            m.commitment_index = commitmentIndex
            m.challenger = arena.bytes(challenger)
            m.proposer = arena.bytes(proposer)
            m.phase = phase.wire
            m.turn = turn.wire
            m.deadline_ms = deadlineMs
            m.result = result.wire
            m.resolution = arena.string(resolution)
            m.range_lo = rangeLo
            m.range_hi = rangeHi
            return m
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = cStruct(in: arena)
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.ListChallengesResponse`.
    public struct ListChallengesResponse: ProtoMessage, Hashable {
        public var challenges: [Challenge]
        /// Games ever opened.
        public var total: UInt64

        /// Creates a response.
        public init(challenges: [Challenge] = [], total: UInt64 = 0) {
            self.challenges = challenges
            self.total = total
        }

        static func cMessage() -> Settlement__V1__ListChallengesResponse {
            CMessage.make(Settlement__V1__ListChallengesResponse(), settlement__v1__list_challenges_response__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__ListChallengesResponse.self) { p in
                ListChallengesResponse(
                    challenges: ProtobufC.array(p.pointee.challenges, p.pointee.n_challenges) { Challenge($0!.pointee) },
                    total: p.pointee.total)
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.n_challenges = challenges.count
            m.challenges = arena.array(challenges.map { Optional(arena.message($0.cStruct(in: arena))) })
            m.total = total
            return CMessage.pack(&m, keeping: arena)
        }
    }
}

// MARK: - Finality

extension SettlementV1 {
    /// `settlement.v1.GetFinalityRequest`.
    public struct GetFinalityRequest: ProtoMessage, Hashable {
        /// The first commitment index.
        public var fromIndex: UInt64
        /// At most this many (0: the server default).
        public var limit: UInt32

        /// Creates a request.
        public init(fromIndex: UInt64 = 0, limit: UInt32 = 0) {
            self.fromIndex = fromIndex
            self.limit = limit
        }

        static func cMessage() -> Settlement__V1__GetFinalityRequest {
            CMessage.make(Settlement__V1__GetFinalityRequest(), settlement__v1__get_finality_request__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__GetFinalityRequest.self) { p in
                GetFinalityRequest(fromIndex: p.pointee.from_index, limit: p.pointee.limit)
            }
        }

        public func protobufBytes() -> [UInt8] {
            var m = Self.cMessage()
            m.from_index = fromIndex
            m.limit = limit
            return CMessage.pack(&m, keeping: ProtobufCArena())
        }
    }

    /// `settlement.v1.CommitmentFinality`: one commitment and how final it is.
    public struct CommitmentFinality: ProtoMessage, Hashable {
        public var index: UInt64
        public var firstBatch: UInt64
        public var lastBatch: UInt64
        /// 32 bytes each.
        public var prevRoot: [UInt8]
        public var newRoot: [UInt8]
        public var status: CommitmentState
        /// The including block and its depth (1 = the head).
        public var l1BlockNumber: UInt64
        public var confirmations: UInt64
        /// L1 time the challenge period ends.
        public var challengeDeadlineMs: UInt64
        /// Games against it still being played.
        public var openGames: UInt32
        /// The poster (20 bytes).
        public var proposer: [UInt8]

        /// Creates a message.
        public init(index: UInt64 = 0, firstBatch: UInt64 = 0, lastBatch: UInt64 = 0, prevRoot: [UInt8] = [],
                    newRoot: [UInt8] = [], status: CommitmentState = .unspecified, l1BlockNumber: UInt64 = 0,
                    confirmations: UInt64 = 0, challengeDeadlineMs: UInt64 = 0, openGames: UInt32 = 0,
                    proposer: [UInt8] = []) {
            self.index = index
            self.firstBatch = firstBatch
            self.lastBatch = lastBatch
            self.prevRoot = prevRoot
            self.newRoot = newRoot
            self.status = status
            self.l1BlockNumber = l1BlockNumber
            self.confirmations = confirmations
            self.challengeDeadlineMs = challengeDeadlineMs
            self.openGames = openGames
            self.proposer = proposer
        }

        static func cMessage() -> Settlement__V1__CommitmentFinality {
            CMessage.make(Settlement__V1__CommitmentFinality(), settlement__v1__commitment_finality__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__CommitmentFinality.self) { CommitmentFinality($0.pointee) }
        }

        /// From an unpacked C struct (only valid while the struct is).
        init(_ m: Settlement__V1__CommitmentFinality) {
            self.init(index: m.index, firstBatch: m.first_batch, lastBatch: m.last_batch, prevRoot: ProtobufC.bytes(m.prev_root),
                      newRoot: ProtobufC.bytes(m.new_root), status: CommitmentState(wire: m.status),
                      l1BlockNumber: m.l1_block_number, confirmations: m.confirmations,
                      challengeDeadlineMs: m.challenge_deadline_ms, openGames: m.open_games,
                      proposer: ProtobufC.bytes(m.proposer))
        }

        /// The C struct, its memory owned by `arena`.
        func cStruct(in arena: ProtobufCArena) -> Settlement__V1__CommitmentFinality {
            var m = Self.cMessage()
            m.index = index
            m.first_batch = firstBatch
            m.last_batch = lastBatch
            m.prev_root = arena.bytes(prevRoot)
            m.new_root = arena.bytes(newRoot)
            m.status = status.wire
            m.l1_block_number = l1BlockNumber
            m.confirmations = confirmations
            m.challenge_deadline_ms = challengeDeadlineMs
            m.open_games = openGames
            m.proposer = arena.bytes(proposer)
            return m
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = cStruct(in: arena)
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.FinalityReport`.
    public struct FinalityReport: ProtoMessage, Hashable {
        public var commitments: [CommitmentFinality]
        /// Commitments ever posted.
        public var total: UInt64
        /// The L1 head and its time.
        public var l1BlockNumber: UInt64
        public var l1TimeMs: UInt64
        /// The engine's confirmation depth.
        public var confirmationDepth: UInt32

        /// Creates a report.
        public init(commitments: [CommitmentFinality] = [], total: UInt64 = 0, l1BlockNumber: UInt64 = 0,
                    l1TimeMs: UInt64 = 0, confirmationDepth: UInt32 = 0) {
            self.commitments = commitments
            self.total = total
            self.l1BlockNumber = l1BlockNumber
            self.l1TimeMs = l1TimeMs
            self.confirmationDepth = confirmationDepth
        }

        static func cMessage() -> Settlement__V1__FinalityReport {
            CMessage.make(Settlement__V1__FinalityReport(), settlement__v1__finality_report__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__FinalityReport.self) { p in
                let m = p.pointee
                return FinalityReport(
                    commitments: ProtobufC.array(m.commitments, m.n_commitments) { CommitmentFinality($0!.pointee) },
                    total: m.total, l1BlockNumber: m.l1_block_number, l1TimeMs: m.l1_time_ms,
                    confirmationDepth: m.confirmation_depth)
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.n_commitments = commitments.count
            m.commitments = arena.array(commitments.map { Optional(arena.message($0.cStruct(in: arena))) })
            m.total = total
            m.l1_block_number = l1BlockNumber
            m.l1_time_ms = l1TimeMs
            m.confirmation_depth = confirmationDepth
            return CMessage.pack(&m, keeping: arena)
        }
    }
}

// MARK: - Withdrawals

extension SettlementV1 {
    /// `settlement.v1.ClaimWithdrawalRequest`.
    public struct ClaimWithdrawalRequest: ProtoMessage, Hashable {
        /// The L1 recipient (20 bytes).
        public var recipient: [UInt8]
        /// The final commitment to prove against.
        public var commitmentIndex: UInt64

        /// Creates a request (nothing is checked).
        public init(recipient: [UInt8] = [], commitmentIndex: UInt64 = 0) {
            self.recipient = recipient
            self.commitmentIndex = commitmentIndex
        }

        static func cMessage() -> Settlement__V1__ClaimWithdrawalRequest {
            CMessage.make(Settlement__V1__ClaimWithdrawalRequest(), settlement__v1__claim_withdrawal_request__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__ClaimWithdrawalRequest.self) { p in
                ClaimWithdrawalRequest(recipient: ProtobufC.bytes(p.pointee.recipient), commitmentIndex: p.pointee.commitment_index)
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.recipient = arena.bytes(recipient)
            m.commitment_index = commitmentIndex
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.GetWithdrawalRequest`.
    public struct GetWithdrawalRequest: ProtoMessage, Hashable {
        /// The L1 recipient (20 bytes).
        public var recipient: [UInt8]

        /// Creates a request (nothing is checked).
        public init(recipient: [UInt8] = []) { self.recipient = recipient }

        static func cMessage() -> Settlement__V1__GetWithdrawalRequest {
            CMessage.make(Settlement__V1__GetWithdrawalRequest(), settlement__v1__get_withdrawal_request__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__GetWithdrawalRequest.self) { p in
                GetWithdrawalRequest(recipient: ProtobufC.bytes(p.pointee.recipient))
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.recipient = arena.bytes(recipient)
            return CMessage.pack(&m, keeping: arena)
        }
    }

    /// `settlement.v1.WithdrawalInfo`: burned on L2 and claimed on L1 for one recipient.
    public struct WithdrawalInfo: ProtoMessage, Hashable {
        /// 20 bytes each.
        public var recipient: [UInt8]
        public var exitAddress: [UInt8]
        /// 32 bytes each.
        public var burned: [UInt8]
        public var claimed: [UInt8]

        /// Creates a message.
        public init(recipient: [UInt8] = [], exitAddress: [UInt8] = [], burned: [UInt8] = [], claimed: [UInt8] = []) {
            self.recipient = recipient
            self.exitAddress = exitAddress
            self.burned = burned
            self.claimed = claimed
        }

        static func cMessage() -> Settlement__V1__WithdrawalInfo {
            CMessage.make(Settlement__V1__WithdrawalInfo(), settlement__v1__withdrawal_info__init)
        }

        public init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError) {
            self = try ProtobufC.unpack(CMessage.descriptor(of: Self.cMessage()), bytes,
                                        as: Settlement__V1__WithdrawalInfo.self) { p in
                let m = p.pointee
                return WithdrawalInfo(recipient: ProtobufC.bytes(m.recipient), exitAddress: ProtobufC.bytes(m.exit_address),
                                      burned: ProtobufC.bytes(m.burned), claimed: ProtobufC.bytes(m.claimed))
            }
        }

        public func protobufBytes() -> [UInt8] {
            let arena = ProtobufCArena()
            var m = Self.cMessage()
            m.recipient = arena.bytes(recipient)
            m.exit_address = arena.bytes(exitAddress)
            m.burned = arena.bytes(burned)
            m.claimed = arena.bytes(claimed)
            return CMessage.pack(&m, keeping: arena)
        }
    }
}
