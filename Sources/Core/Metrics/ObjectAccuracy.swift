/// Object accuracy (sslsan's addition; docs/SYNTHETIC-TRAINING.md): in scenes with two or more
/// annotated objects, the share of (sample, other object) pairs where the mean of the sample's
/// upsampled positive map inside its sounding object's ground truth strictly exceeds the mean
/// inside the other object's ground truth. Chance is 50 %. Threshold-free: "does the map follow
/// the sound?", which the universal threshold can hide.
public struct ObjectAccuracy: Codable, Sendable, Equatable {
    /// Percent of pairs won; NaN when there are no pairs.
    public var value: Double
    public var pairs: Int
    public var wins: Int

    public init(wins: Int, pairs: Int) {
        self.wins = wins; self.pairs = pairs
        value = pairs == 0 ? .nan : 100 * Double(wins) / Double(pairs)
    }

    /// One pair: the sounding object's mean against another object's.
    public static func wins(ownMean: Double, otherMean: Double) -> Bool { ownMean > otherMean }
}
