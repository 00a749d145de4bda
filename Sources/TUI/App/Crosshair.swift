import Core
import Render

/// The crosshair over the scene: a point in normalised image coordinates (0…1, the same for
/// the image, its 224×224 metric grid and every display size), and the map value under it.
public struct Crosshair: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) { self.x = Swift.min(1, Swift.max(0, x)); self.y = Swift.min(1, Swift.max(0, y)) }

    /// One arrow-key step: 4 pixels of the 224×224 metric grid.
    public static let step = 4.0 / Double(MapResize.side)

    /// The map's value at the crosshair on the metrics' own 224² map (`MapPostProcessing.upsample`:
    /// cv2 for SSL-TIE, the family's kernel and scale otherwise): the value the threshold is
    /// compared with at that pixel.
    public func value(in map: SimilarityMap, postProcessing: MapPostProcessing = .sslTie, negative: Bool = false) -> Float {
        let n = MapResize.side
        let px = Swift.min(n - 1, Int(x * Double(n))), py = Swift.min(n - 1, Int(y * Double(n)))
        return postProcessing.upsample(map, negative: negative)[py * n + px]
    }
}

extension ExplorerState {
    /// `x` shows or hides the crosshair; while it shows, the arrow keys move it and Esc hides
    /// it. Returns nil for keys it does not take.
    mutating func handleCrosshair(_ key: Key) -> [Effect]? {
        if key == .char("x") {
            crosshair = crosshair == nil ? Crosshair(x: 0.5, y: 0.5) : nil
            if crosshair != nil { focus = .scene }
            return []
        }
        guard var c = crosshair, focus == .scene else { return nil }
        switch key {
        case .left: c.x -= Crosshair.step
        case .right: c.x += Crosshair.step
        case .up: c.y -= Crosshair.step
        case .down: c.y += Crosshair.step
        case .escape: crosshair = nil; return []
        default: return nil
        }
        crosshair = Crosshair(x: c.x, y: c.y)
        return []
    }

    /// A click on the scene image puts the crosshair there.
    mutating func placeCrosshair(column: Int, row: Int, layout: Layout) {
        guard layout.scenePanel == .scene, let img = scene?.image else { return }
        for area in ScenePanel.imageAreas(self, rect: layout.scene) {
            let p = ImagePlacement.fit(width: img.width, height: img.height, in: area)
            if let n = p.normalised(column: column, row: row) { crosshair = Crosshair(x: n.x, y: n.y); return }
        }
    }
}
