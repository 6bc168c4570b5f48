/// Everything a settlement node asks of its storage, in one type: the chain
/// (`SettlementStore`), the sequencer lease and the committed-batch feed (`ReplicationStore`),
/// commitments and their L1 status (`FinalityStore`), chain reverts (`ChainRevertStore`) and the
/// log of challenge games (`ChallengeLog`).
///
/// The engine, the finality engine, the watchers and the proposer defense take this composition,
/// so what a store can do is checked by the compiler, not discovered at run time: a store that
/// could not revert the chain cannot be handed to an engine at all. `PostgresSettlementStore`
/// implements it; so does the in-memory double of the tests (a single replica), which lets every
/// engine behaviour involving finality be tested without a database.
public typealias SettlementNodeStore = SettlementStore & ReplicationStore & FinalityStore & ChainRevertStore & ChallengeLog
