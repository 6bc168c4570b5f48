import Settlement

/// The data root a commitment over `data` (valid batch data) carries.
func committedRoot(_ data: [UInt8]) -> Digest32 {
    try! BatchDataTree.dataRoot(of: data)
}
