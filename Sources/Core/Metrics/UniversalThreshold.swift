/// The universal threshold U of SSL-SaN (SPEC §6.4): the third quartile of the per-map maxima of
/// the raw similarity maps for negative audio, silence, noise and off-screen pooled, NumPy linear
/// percentile. vssl_eval hard-codes it per model (SSL-TIE: 0.3338 = `th_maxq3`); sslsan computes it
/// from the run, or takes a given value (to reuse a VGG-SS U on another test set, as the paper does).
///
/// The trap (docs/SYNTHETIC-TRAINING.md): once a model silences silence and noise, two thirds of
/// the pooled maxima are ~0, U becomes the first quartile of the off-screen maxima, close to the
/// background of positive maps, and cIoU_Uth falls while the model got better. Report it beside
/// separability and object accuracy.
public enum UniversalThreshold {
    /// Q3 of the pooled negative maxima.
    public static func q3(negativeMaxima: [Double]) -> Double {
        Statistics.quantile(negativeMaxima, 0.75)
    }
}

/// How the threshold U is chosen for a report.
public enum ThresholdChoice: Sendable, Equatable, CustomStringConvertible {
    /// Q3 of this run's pooled negative maxima.
    case universal
    /// A fixed value (e.g. the U of the same model on VGG-SS, or 0.3338 for vssl_eval's SSL-TIE).
    case value(Double)

    public var description: String {
        switch self {
        case .universal: "universal (Q3 of negative maxima)"
        case .value(let v): "given \(v)"
        }
    }

    /// Parses `auto` / `universal` or a number.
    public init?(argument: String) {
        let a = argument.lowercased()
        if a == "auto" || a == "universal" || a == "q3" { self = .universal; return }
        guard let v = Double(argument), v.isFinite else { return nil }
        self = .value(v)
    }
}

/// Separability (SPEC §6.9, formula rebuilt from the paper's text): Q1 of the positive maxima minus
/// Q3 of the negative maxima, raw 14×14 maps, negatives pooled over silence, noise and off-screen
/// and all passes (positives repeated once per pass, as in vssl_eval's pooled lists). Negative
/// when the inter-quartile ranges overlap. Threshold-free.
public enum Separability {
    public static func value(positiveMaxima: [Double], negativeMaxima: [Double]) -> (separability: Double, positiveQ1: Double, negativeQ3: Double) {
        let q1 = Statistics.quantile(positiveMaxima, 0.25)
        let q3 = Statistics.quantile(negativeMaxima, 0.75)
        return (q1 - q3, q1, q3)
    }
}
