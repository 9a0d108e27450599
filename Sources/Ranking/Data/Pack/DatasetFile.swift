/// A data set file of either kind famol reads: a pack (`famol pack`) or SVMlight text, told
/// apart by the pack's magic.
public enum DatasetFile {
    public static func read(_ path: String) throws -> RankingDataset {
        PackedDataset.isPacked(path) ? try PackedDataset(path: path).dataset() : try SVMLightReader.read(path)
    }

    /// The bytes that stand for a file's content in a data set hash: a pack's header hash
    /// (not gigabytes read again), any other file's bytes.
    public static func identityBytes(_ path: String) throws -> [UInt8] {
        guard PackedDataset.isPacked(path) else { return try readFileBytes(path) }
        return Array("famol-pack sha256:\(try PackedDataset(path: path).contentSHA256)".utf8)
    }
}
