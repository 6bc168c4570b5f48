import Settlement

/// The data root a commitment over `data` must carry; for data that does not decode (which
/// posting refuses whatever the root), its keccak.
func committedRoot(_ data: [UInt8]) -> Digest32 {
    (try? BatchDataTree.dataRoot(of: data)) ?? Keccak256.hash(data)
}
