/// Poseidon (circomlib parameters, the same constants as the native `Poseidon`) as constraints:
/// each x⁵ S-box costs 3 constraints (x², x⁴, x⁵); the round-constant additions and the MDS
/// mixing stay linear combinations, so a hash of n inputs costs 3·(8·t + partial rounds − 1)
/// constraints, t = n + 1 (the first S-box acts on a constant): 240 for 2 inputs, as circomlib.
extension ConstraintSystem {
    /// poseidon(inputs) for 1 to 16 inputs, as a linear combination of S-box wires (no wire of
    /// its own: the caller constrains it); its value equals `Poseidon.hash` of the inputs' values.
    public mutating func poseidon(_ inputs: [LinearCombination]) -> LinearCombination {
        precondition((1...16).contains(inputs.count), "Poseidon takes 1 to 16 inputs")
        let params = PoseidonParameters.forWidth(inputs.count + 1)
        let t = params.width
        var state = [LinearCombination.zero] + inputs
        let firstPartial = params.fullRounds / 2
        let lastPartial = firstPartial + params.partialRounds
        for round in 0..<(params.fullRounds + params.partialRounds) {
            let base = round * t
            for i in 0..<t { state[i] = state[i] + params.roundConstants[base + i] }
            if round < firstPartial || round >= lastPartial {
                for i in 0..<t { state[i] = fifthPower(state[i]) }
            } else {
                state[0] = fifthPower(state[0])
            }
            var next: [LinearCombination] = []
            next.reserveCapacity(t)
            for i in 0..<t {
                var acc = LinearCombination.zero
                for j in 0..<t { acc += state[j] * params.mds[i][j] }
                next.append(acc.normalized())
            }
            state = next
        }
        return state[0]
    }

    /// x⁵ with 3 constraints: x2 = x·x, x4 = x2·x2, x5 = x4·x; a constant (the first state
    /// element in the first round) is raised natively, for free.
    mutating func fifthPower(_ x: LinearCombination) -> LinearCombination {
        let xv = value(x)
        if x.terms.allSatisfy({ $0.wire == 0 }) { return LinearCombination(constant: xv.squared().squared() * xv) }
        let x2 = allocate(xv.squared())
        enforce(x, x, x2.lc)
        let x4 = allocate(value(x2).squared())
        enforce(x2.lc, x2.lc, x4.lc)
        let x5 = allocate(value(x4) * xv)
        enforce(x4.lc, x, x5.lc)
        return x5.lc
    }
}
