/// pIA, the share of the image a negative audio lights up (SPEC §6.7, `compute_pIA`,
/// `compute_AUC_pIA`): for each negative map, p = #(upsampled map > U) / 50 176, a fraction.
public enum PIA {
    /// One map's highlighted fraction from its pixel count.
    @inlinable
    public static func fraction(area: Int, pixels: Int = MapResize.side * MapResize.side) -> Double {
        Double(area) / Double(pixels)
    }

    /// 100 · mean of the per-map fractions.
    public static func mean(_ fractions: [Double]) -> Double { 100 * Statistics.mean(fractions) }

    /// AUC_N: 100 · trapezoid of y_j = fraction(p ≤ 0.05·j) over 21 points (inclusive ≤, the
    /// mirror of the positive AUC's ≥). All-empty negatives give exactly 100.
    public static func auc(_ fractions: [Double]) -> Double {
        guard !fractions.isEmpty else { return .nan }
        let s = fractions.sorted()
        let n = Double(fractions.count)
        let y = Statistics.aucGrid.map { Double(Selection.upperBound(s, $0)) / n }
        return 100 * Statistics.trapezoid(x: Statistics.aucGrid, y: y)
    }
}

/// The paper's global scores (SPEC §6.8, `compute_f`): harmonic means of a positive score and
/// the mean of the three negative scores, all in percent. 0 and 0 give NaN, as in vssl_eval.
public enum FMeasure {
    public static func f(_ a: Double, _ b: Double) -> Double { 2 * (a * b) / (a + b) }

    /// F_LOC = F(cIoU_Uth, mean(100 − pIA_S, 100 − pIA_N, 100 − pIA_O)).
    public static func loc(ciou: Double, pia: (silence: Double, noise: Double, offscreen: Double)) -> Double {
        f(ciou, Statistics.mean([100 - pia.silence, 100 - pia.noise, 100 - pia.offscreen]))
    }

    /// F_AUC = F(AUC_Uth, mean(AUC_N,S, AUC_N,N, AUC_N,O)).
    public static func auc(auc: Double, aucN: (silence: Double, noise: Double, offscreen: Double)) -> Double {
        f(auc, Statistics.mean([aucN.silence, aucN.noise, aucN.offscreen]))
    }
}
