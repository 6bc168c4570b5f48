/// The Poseidon hash over Fr as circomlib defines it (compatible with circomlib's circuits and
/// circomlibjs): state [0, inputs…] of width t = n + 1, each round adds the round constants,
/// applies x⁵ (to every element in the 4 + 4 full rounds, to the first in the partial rounds),
/// then multiplies by the MDS matrix; the output is the first element.
public enum Poseidon {
    /// poseidon(inputs) for 1 to 16 inputs.
    public static func hash(_ inputs: [Fr]) -> Fr {
        precondition((1...16).contains(inputs.count), "Poseidon takes 1 to 16 inputs")
        let params = PoseidonParameters.forWidth(inputs.count + 1)
        var state = [Fr.zero] + inputs
        permute(&state, params)
        return state[0]
    }

    /// The permutation in place.
    public static func permute(_ state: inout [Fr], _ params: PoseidonParameters) {
        let t = params.width
        let rounds = params.fullRounds + params.partialRounds
        let firstPartial = params.fullRounds / 2
        let lastPartial = firstPartial + params.partialRounds
        var next = state
        for round in 0..<rounds {
            let base = round * t
            for i in 0..<t { state[i] += params.roundConstants[base + i] }
            if round < firstPartial || round >= lastPartial {
                for i in 0..<t { state[i] = fifthPower(state[i]) }
            } else {
                state[0] = fifthPower(state[0])
            }
            for i in 0..<t {
                var acc = Fr.zero
                let row = params.mds[i]
                for j in 0..<t { acc += row[j] * state[j] }
                next[i] = acc
            }
            swap(&state, &next)
        }
    }

    @inlinable
    static func fifthPower(_ x: Fr) -> Fr {
        let x2 = x.squared()
        return x2.squared() * x
    }
}
