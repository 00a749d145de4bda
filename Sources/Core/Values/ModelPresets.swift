/// Smaller configurations for CPU training (same topology and parameter names as `full`).
/// Sizes are chosen from training measurements; see samples/TRAINING.md.
extension ModelConfig {
    public static var smallPresets: [ModelConfig] {
        [
            // 16/32/64/128 channels, 128 px image (8×8 map; 64 px → 4×4 in the equivariance branch), 3 s at 16 kHz, 64 mels × 101 frames (hop 480).
            ModelConfig(name: "demo", widths: [16, 32, 64, 128], imageSize: 128, clipSeconds: 3, hop: 480, nMels: 64),
            // Same network at 224 px (14×14 map) and 301 frames (hop 160): about 4× the image cost.
            ModelConfig(name: "demo224", widths: [16, 32, 64, 128], imageSize: 224, clipSeconds: 3, hop: 160, nMels: 64),
        ]
    }
}
