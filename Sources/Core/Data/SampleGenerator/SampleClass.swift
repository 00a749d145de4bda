/// The classes of the synthetic IS3-like benchmark: each is an object (a shape drawn in a hue
/// family, with varying aspect, texture and rotation) and a characteristic sound (varying in pitch,
/// rhythm and timbre). The first ten follow docs SYNTHETIC-TRAINING.md (shown to learn); `heart`
/// and `arrow` add two more so fewer in-batch negatives share a class with the image.
public enum SampleClass: String, CaseIterable, Sendable, Codable, Hashable {
    case circle, square, triangle, star, ring, cross, diamond, hexagon, ellipse, crescent, heart, arrow

    /// Position in `allCases`.
    public var index: Int { SampleClass.allCases.firstIndex(of: self)! }

    /// Centre of the class's hue family (0…1); instances jitter by ±0.03.
    public var hue: Double { Double(index) / Double(SampleClass.allCases.count) }

    /// The sound's short name.
    public var soundName: String {
        switch self {
        case .circle: "hum"
        case .square: "whistle"
        case .triangle: "beeper"
        case .star: "up-chirps"
        case .ring: "down-chirps"
        case .cross: "rumble"
        case .diamond: "hiss"
        case .hexagon: "clicks"
        case .ellipse: "tremolo"
        case .crescent: "siren"
        case .heart: "bell"
        case .arrow: "warble"
        }
    }

    /// One line for `classes.json`: what the object looks like and what it sounds like.
    public var description: String {
        let look: String
        switch self {
        case .circle: look = "circle (slightly squashed at most), red family"
        case .square: look = "square or short rectangle, orange family"
        case .triangle: look = "equilateral-ish triangle, yellow family"
        case .star: look = "five-pointed star with varying inner radius, yellow-green family"
        case .ring: look = "ring (annulus) of varying thickness, green family"
        case .cross: look = "plus-shaped cross of varying arm width, green-cyan family"
        case .diamond: look = "rhombus (diamond) of varying width, cyan family"
        case .hexagon: look = "hexagon, azure family"
        case .ellipse: look = "elongated ellipse, blue family"
        case .crescent: look = "crescent moon of varying thickness, violet family"
        case .heart: look = "heart, magenta family"
        case .arrow: look = "arrow (shaft and triangular head), pink family"
        }
        let sound: String
        switch self {
        case .circle: sound = "low harmonic hum, 100-180 Hz fundamental, vibrato"
        case .square: sound = "whistle, 2-3 kHz tone with vibrato"
        case .triangle: sound = "beeper, 0.8-1.1 kHz tone gated at 2-4 Hz"
        case .star: sound = "repeated rising chirps (0.3-0.7 kHz up to 1.5-3 kHz)"
        case .ring: sound = "repeated falling chirps (1.5-3 kHz down to 0.3-0.7 kHz)"
        case .cross: sound = "rumble, noise low-passed below 200-350 Hz"
        case .diamond: sound = "hiss, noise high-passed above 3.5-5 kHz"
        case .hexagon: sound = "band-pass clicks at 6-12 per second"
        case .ellipse: sound = "tremolo tone, 300-600 Hz amplitude-modulated at 8-15 Hz"
        case .crescent: sound = "two-tone siren, 0.6-0.9 kHz alternating with a tone 1.25-1.5x higher at 1-2.5 Hz"
        case .heart: sound = "bell, inharmonic decaying partials (0.4-0.8 kHz fundamental) struck every 0.4-0.9 s"
        case .arrow: sound = "warble, 1.2-1.6 kHz tone frequency-modulated at 5-9 Hz"
        }
        return "\(look); sound: \(sound)"
    }
}
