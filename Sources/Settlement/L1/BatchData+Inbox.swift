extension BatchData {
    /// The deposits and inbox markers of `bytes`, in execution order, without building the other
    /// transfers: what the arbiter reads at posting to know which L1 inbox entries a commitment
    /// consumes (`L1Arbiter+Inbox`). Walks the encoding exactly as `decode`; call it only on data
    /// that `outline` accepted (it throws on anything else).
    public static func l1Originated(_ bytes: [UInt8]) throws(DecodingError) -> [Transfer] {
        var r = Reader(bytes: bytes)
        _ = try r.byte()
        _ = try r.varint()
        let n = try r.count(minimumBytesEach: 20)
        var table: [Address] = []
        table.reserveCapacity(n)
        for _ in 0..<n { table.append(Address(bytes: try r.bytes(20))!) }
        var found: [Transfer] = []
        let m = try r.count(minimumBytesEach: 2)
        for _ in 0..<m {
            _ = try r.varint()
            let count = try r.count(minimumBytesEach: 5)
            for _ in 0..<count {
                let from = try r.address(in: table), to = try r.address(in: table)
                if from == .bridge || from == .inbox {
                    let value = try r.number(), fee = try r.number(), nonce = try r.varint()
                    found.append(Transfer(from: from, to: to, value: value, fee: fee, nonce: nonce))
                } else {
                    try r.skipNumber()
                    try r.skipNumber()
                    _ = try r.varint()
                    try r.skip(65)
                }
            }
        }
        return found
    }
}
