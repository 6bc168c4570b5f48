extension StateSnapshot {
    /// The snapshot of `base` (accounts sorted by address) after applying `diffs` in order,
    /// computed by merging sorted lists (no tree): later diffs win, empty accounts disappear.
    /// `root` is recorded as given, not computed.
    public static func merging(base: [StateDiff.Entry], diffs: [StateDiff], batch: UInt64, root: Digest32) -> StateSnapshot {
        var latest: [Address: Account] = [:]
        for d in diffs { for e in d.entries { latest[e.address] = e.account } }
        let changes = latest.sorted { $0.key < $1.key }
        var out: [StateDiff.Entry] = []
        out.reserveCapacity(base.count + changes.count)
        var i = 0, j = 0
        while i < base.count || j < changes.count {
            if j == changes.count || (i < base.count && base[i].address < changes[j].key) {
                out.append(base[i])
                i += 1
            } else {
                let c = changes[j]
                if i < base.count && base[i].address == c.key { i += 1 }
                if !c.value.isEmpty { out.append(StateDiff.Entry(address: c.key, account: c.value)) }
                j += 1
            }
        }
        return StateSnapshot(batch: batch, root: root, accounts: out)
    }
}
