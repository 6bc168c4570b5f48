/// Reading a commitment's data as the parties of a game need it.
extension BatchData {
    /// The batches of commitment `index`'s data (each its transfers, then its shielded lane), and
    /// its first batch number.
    static func transactions(ofCommitment index: UInt64, data: [UInt8]?) throws(ValidatorError)
        -> (firstBatch: UInt64, batches: [Batch]) {
        guard let data else { throw .missingCommitmentData(index: index) }
        let decoded: [Batch]
        do { decoded = try decode(data).batches } catch { throw .undecodableData(index: index, reason: error.description) }
        guard let first = decoded.first else { throw .undecodableData(index: index, reason: "no batch") }
        return (first.number, decoded)
    }
}
