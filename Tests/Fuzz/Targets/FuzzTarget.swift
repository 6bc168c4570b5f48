/// One fuzz target: a name and a function of arbitrary bytes that must never crash, hang or
/// allocate without bound, and traps (a finding) when an invariant it checks does not hold.
struct FuzzTarget: Sendable {
    let name: String
    let summary: String
    let run: @Sendable ([UInt8]) -> Void

    /// Every target, by name (`settlement-fuzz list`).
    static let all: [FuzzTarget] = DecoderTargets.all + [HTTP2Target.target, ConfigTarget.target, ZKTarget.target,
                                                         ZKeyTarget.target, ZKCeremonyTarget.target,
                                                         ShieldedTarget.target, ShieldedTransactionTarget.target]

    static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}
