/// Smaller configurations for CPU training (same topology and parameter names as `full`).
/// Sizes are chosen from training measurements; see the README's training section.
extension ModelConfig {
    public static var smallPresets: [ModelConfig] {
        [
            // 16/32/64/128 channels, 224 px image (14×14 map), 3 s at 16 kHz, 64 mels.
            ModelConfig(name: "demo", widths: [16, 32, 64, 128], imageSize: 224, clipSeconds: 3, hop: 160, nMels: 64),
        ]
    }
}
