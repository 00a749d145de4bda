/// The four audio conditions of every sample (SSL-SaN's positive and three negatives).
public enum AudioCondition: String, CaseIterable, Sendable, Codable {
    case positive, silence, noise, offscreen
}
