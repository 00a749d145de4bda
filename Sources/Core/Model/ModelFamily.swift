import Foundation

/// The systems compared in the SSL-SaN paper that sslsan runs on its own engine. A family fixes
/// the network, the audio front end, the image normalisation, the silence/noise recipe and the
/// map post-processing that the authors' evaluation (`vssl_eval`) uses for it. Detection from a
/// checkpoint's key names, and each family's specification, extend this one type.
public enum ModelFamily: String, CaseIterable, Sendable {
    /// SSL-TIE (Liu et al. 2022) and SSL-SaN (SSL-TIE trained with silence and noise): same network.
    case sslTie = "ssl-tie"
    /// LVS (Chen et al. 2021).
    case lvs
    /// SSL-Align (Senocak et al. 2023): LVS's network, its own weights and threshold.
    case sslAlign = "ssl-align"
    /// EZ-VSL (Mo and Morgado 2022).
    case ezvsl = "ez-vsl"
    /// FNAC (Sun et al. 2023).
    case fnac
    /// SLAVC (Mo and Morgado 2022).
    case slavc
    /// RCGrad (Wu et al. 2023): Grad-CAM-style map of a contrastive model.
    case rcgrad

    /// The name papers print.
    public var displayName: String {
        switch self {
        case .sslTie: return "SSL-TIE"
        case .lvs: return "LVS"
        case .sslAlign: return "SSL-Align"
        case .ezvsl: return "EZ-VSL"
        case .fnac: return "FNAC"
        case .slavc: return "SLAVC"
        case .rcgrad: return "RCGrad"
        }
    }
}
