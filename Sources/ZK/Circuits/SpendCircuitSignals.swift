/// The spend circuit's named input signals (an `input.json` for `settlement zk prove --circuit
/// spend`): the private notes, and the public values that are given rather than computed
/// (publicIn, publicOut, fee, binding). The root, nullifiers and commitments are computed; the
/// root is the first non-zero-value input's.
extension SpendCircuit {
    public static func signals(depth: Int = treeDepth) -> [CircuitSignal] {
        var out = [
            CircuitSignal(name: "inSpendingKey", length: 2, summary: "each input note's spending key sk (private)"),
            CircuitSignal(name: "inValue", length: 2, summary: "each input note's value, below 2^64; 0 for a dummy (private)"),
            CircuitSignal(name: "inRandomness", length: 2, summary: "each input note's randomness (private)"),
        ]
        for i in 0..<2 {
            out.append(CircuitSignal(name: "inPathBits\(i)", length: depth, isBit: true,
                                     summary: "input \(i)'s position bits, least significant first (private)"))
            out.append(CircuitSignal(name: "inSiblings\(i)", length: depth,
                                     summary: "input \(i)'s siblings, leaf level first (private)"))
        }
        out += [
            CircuitSignal(name: "outValue", length: 2, summary: "each output note's value, below 2^64 (private)"),
            CircuitSignal(name: "outOwner", length: 2, summary: "each output note's owner key pk (private)"),
            CircuitSignal(name: "outRandomness", length: 2, summary: "each output note's randomness (private)"),
            CircuitSignal(name: "publicIn", summary: "value shielded from a transparent account (public)"),
            CircuitSignal(name: "publicOut", summary: "value unshielded to a transparent account (public)"),
            CircuitSignal(name: "fee", summary: "the fee (public)"),
            CircuitSignal(name: "binding", summary: "the transaction's binding hash (public)"),
        ]
        return out
    }

    /// This spend as named inputs.
    public var inputs: CircuitInputs {
        var values: [String: [Fr]] = [
            "inSpendingKey": inputNotes.map(\.spendingKey), "inValue": inputNotes.map { Fr($0.value) },
            "inRandomness": inputNotes.map(\.randomness),
            "outValue": outputNotes.map { Fr($0.value) }, "outOwner": outputNotes.map(\.owner),
            "outRandomness": outputNotes.map(\.randomness),
            "publicIn": [Fr(publicIn)], "publicOut": [Fr(publicOut)], "fee": [Fr(fee)], "binding": [binding],
        ]
        for (i, note) in inputNotes.enumerated() {
            values["inPathBits\(i)"] = note.pathBits.map { $0 ? .one : .zero }
            values["inSiblings\(i)"] = note.siblings
        }
        return CircuitInputs(values)
    }

    /// The system and witness for inputs checked against `signals(depth:)`. Values are taken as
    /// field elements: a note value of 2⁶⁴ or more gives a witness the system refuses (a public
    /// value of 2⁶⁴ or more, one the verifier refuses).
    public static func build(inputs: CircuitInputs) -> ConstraintSystem {
        let spent = (0..<2).map { i in
            SpendAssignment.Input(spendingKey: inputs["inSpendingKey"][i], value: inputs["inValue"][i],
                                  randomness: inputs["inRandomness"][i],
                                  pathBits: inputs["inPathBits\(i)"].map { $0 == .one },
                                  siblings: inputs["inSiblings\(i)"])
        }
        let created = (0..<2).map { j in
            SpendAssignment.Output(value: inputs["outValue"][j], owner: inputs["outOwner"][j],
                                   randomness: inputs["outRandomness"][j])
        }
        return SpendAssignment(inputs: spent, outputs: created, publicIn: inputs["publicIn"][0],
                               publicOut: inputs["publicOut"][0], fee: inputs["fee"][0],
                               binding: inputs["binding"][0], anchor: nil).build()
    }
}
