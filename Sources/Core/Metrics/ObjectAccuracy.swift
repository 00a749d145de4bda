/// Object accuracy (sslsan's addition; docs/SYNTHETIC-TRAINING.md): in scenes with two or more
/// annotated objects, the share of (sample, other object) pairs where the mean of the sample's
/// upsampled positive map inside its sounding object's ground truth exceeds the mean inside the
/// other object's ground truth. Threshold-free: "does the map follow the sound?", which the
/// universal threshold can hide.
///
/// A tie (equal means: a constant map, or a map blind to both objects) counts as half a win, and
/// the ties are reported beside the value. Counting a tie as a loss would put a constant map at
/// 0 against a stated chance of 50; counting it as half keeps chance at 50 for every map that
/// does not tell the objects apart, and the tie count says how many pairs the map could not
/// separate at all.
public struct ObjectAccuracy: Codable, Sendable, Equatable {
    /// Percent: (wins + ties/2) / pairs; NaN when there are no pairs.
    public var value: Double
    public var pairs: Int
    public var wins: Int
    public var ties: Int

    public init(wins: Int, ties: Int = 0, pairs: Int) {
        self.wins = wins; self.ties = ties; self.pairs = pairs
        value = pairs == 0 ? .nan : 100 * (Double(wins) + 0.5 * Double(ties)) / Double(pairs)
    }

    public enum Outcome: Sendable { case win, tie, loss }

    /// One pair: the sounding object's mean against another object's.
    public static func compare(ownMean: Double, otherMean: Double) -> Outcome {
        ownMean > otherMean ? .win : ownMean == otherMean ? .tie : .loss
    }
}
