import XCTest
import Foundation
import Core
import Render
@testable import TUI

/// The pixel mode in a real terminal: xterm as a VT340 (sixel) under Xvfb runs `sslsan explore
/// --graphics sixel`; a screenshot's scene region is compared with `sslsan render`'s PNG of the
/// same sample. Skips with a message when Xvfb, xterm, ImageMagick's `import`, the built binary
/// or the samples are missing.
final class XtermPixelTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    @discardableResult
    static func run(_ path: String, _ args: [String], env: [String: String]? = nil) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        if let env { p.environment = env }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A 12-sample copy of samples/ (the first 12 manifest lines, the media linked), so the
    /// explorer's background scoring (one pass) finishes in seconds and its threshold is U.
    static func smallDataset() throws -> String {
        let src = root + "/samples"
        let dir = NSTemporaryDirectory() + "sslsan-xterm-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for sub in ["images", "audio", "masks", "classes.json"] where FileManager.default.fileExists(atPath: "\(src)/\(sub)") {
            try FileManager.default.createSymbolicLink(atPath: "\(dir)/\(sub)", withDestinationPath: "\(src)/\(sub)")
        }
        let lines = try String(contentsOfFile: src + "/manifest.jsonl", encoding: .utf8).split(separator: "\n").prefix(12)
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/manifest.jsonl", atomically: true, encoding: .utf8)
        return dir
    }

    /// Pearson correlation of two equal-length series.
    static func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count), ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in 0..<a.count { let x = a[i] - ma, y = b[i] - mb; sab += x * y; saa += x * x; sbb += y * y }
        return sab / (saa * sbb).squareRoot()
    }

    func testSixelSceneInXtermMatchesRenderPNG() throws {
        guard let xvfb = Self.which("Xvfb"), let xterm = Self.which("xterm"), let imp = Self.which("import") else {
            throw XCTSkip("Xvfb, xterm or ImageMagick's import is not installed (scripts/setup.sh installs them)")
        }
        let binary = Self.root + "/.build/release/sslsan"
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("\(binary) is not built (swift build -c release)") }
        let ckpt = Self.root + "/samples/demo.safetensors"
        guard FileManager.default.fileExists(atPath: ckpt), FileManager.default.fileExists(atPath: Self.root + "/samples/manifest.jsonl") else {
            throw XCTSkip("samples/ with demo.safetensors is missing")
        }
        let data = try Self.smallDataset()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let work = data + "-out"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }

        // The X server and the terminal: 120×40 cells of 10×20 pixels, sixel with 1024 registers.
        let display = ":\(70 + Int(getpid()) % 50)"
        let server = Process()
        server.executableURL = URL(fileURLWithPath: xvfb)
        server.arguments = [display, "-screen", "0", "1280x900x24", "-nolisten", "tcp"]
        server.standardOutput = FileHandle.nullDevice; server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        let socket = "/tmp/.X11-unix/X\(display.dropFirst())"
        let t0 = monotonicSeconds()
        while !FileManager.default.fileExists(atPath: socket) && monotonicSeconds() - t0 < 10 { usleep(100_000) }
        guard FileManager.default.fileExists(atPath: socket) else { throw XCTSkip("Xvfb did not start on \(display)") }
        var env = ProcessInfo.processInfo.environment
        env["DISPLAY"] = display
        env["TERM"] = "xterm-256color"
        env["COLORTERM"] = "truecolor"
        env.removeValue(forKey: "TMUX")
        let term = Process()
        term.executableURL = URL(fileURLWithPath: xterm)
        term.arguments = ["-ti", "vt340", "-fn", "10x20", "-geometry", "120x40+0+0", "-xrm", "XTerm*numColorRegisters: 1024",
                          "-e", binary, "explore", "--data", data, "--checkpoint", ckpt, "--graphics", "sixel", "--passes", "1",
                          "--export-dir", work]
        term.environment = env
        term.standardOutput = FileHandle.nullDevice; term.standardError = FileHandle.nullDevice
        try term.run()
        defer { if term.isRunning { term.terminate() }; term.waitUntilExit() }

        // Where the image is: the explorer's own layout for this dataset at 120×40 (xterm's
        // internal border is 2 pixels).
        let ds = try Backends.dataset(data)
        let state = ExplorerState(datasetName: ds.name, checkpointName: "demo", samples: ds.samples, problems: ds.problems)
        let sample = try XCTUnwrap(state.selectedSample)
        let image = try ds.image(sample)
        let layout = Layout.compute(width: 120, height: 40, state: state)
        let area = ScenePanel.imageAreas(state, rect: layout.scene)[0]
        let cell = CellPixels(width: 10, height: 20)
        let placement = ImagePlacement.fitPixels(width: image.width, height: image.height, in: area, cell: cell)
        let crop = (x: 2 + placement.cells.x * cell.width, y: 2 + placement.cells.y * cell.height,
                    w: placement.cells.width * cell.width, h: placement.cells.height * cell.height)

        // Screenshots until the scene region is stable for 3 s (scene encoded, scoring done).
        let shot = work + "/shot.png"
        var last: RGBImage?
        var stableSince = monotonicSeconds()
        let start = monotonicSeconds()
        var region = RGBImage(width: 1, height: 1)
        while monotonicSeconds() - start < 60 {
            sleep(1)
            guard try Self.run(imp, ["-display", display, "-window", "root", shot], env: env).status == 0 else { continue }
            let full = try PNGFile.read(shot)
            var r = RGBImage(width: crop.w, height: crop.h)
            for y in 0..<crop.h { for x in 0..<crop.w { r.setPixel(x, y, full.pixel(crop.x + x, crop.y + y)) } }
            region = r
            if r != last { last = r; stableSince = monotonicSeconds() }
            else if monotonicSeconds() - stableSince >= 3 && monotonicSeconds() - start > 8 { break }
        }
        XCTAssertTrue(term.isRunning, "the explorer exited early")
        // Kept for a person to open (copyItem does not overwrite: remove the previous run's first).
        try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "sslsan-xterm-last.png")
        try? FileManager.default.copyItem(atPath: shot, toPath: NSTemporaryDirectory() + "sslsan-xterm-last.png")

        // The render figure of the same sample at U (one pass, as the explorer scored it).
        let fig = work + "/fig.png"
        let r = try Self.run(binary, ["render", "--data", data, "--checkpoint", ckpt, "--id", sample.id, "--out", fig, "--passes", "1"])
        XCTAssertEqual(r.status, 0, r.out)
        let figure = try PNGFile.read(fig)
        let p = 224, panelY = 12 + BitmapFont.height(scale: 2) + 12 + 4
        func panel(_ k: Int) -> RGBImage {
            var out = RGBImage(width: p, height: p)
            for y in 0..<p { for x in 0..<p { out.setPixel(x, y, figure.pixel(12 + k * (p + 10) + x, panelY + y)) } }
            return out
        }
        let plain = panel(0), positive = panel(2)
        let shown = AreaAverage.image(region, width: p, height: p)
        // For looking at: the scene as shown, the render's image and positive panels.
        var side = RGBImage(width: 3 * p, height: p)
        for (k, img) in [shown, plain, positive].enumerated() { for y in 0..<p { for x in 0..<p { side.setPixel(k * p + x, y, img.pixel(x, y)) } } }
        try? PNGFile.write(side, to: NSTemporaryDirectory() + "sslsan-xterm-scene.png")

        // 1. Where the render leaves the image plain (at or below U; both front doors threshold
        //    the same Core map at the same U), the screen shows the image: luminance
        //    correlation and PSNR against the render's image panel.
        // 2. Where the render colours the map, the screen does too: the coloured regions agree.
        //    (The explorer's highlight style blends more strongly, alpha 0.6 on a 0…1 scale,
        //    than the figure, alpha 0.5 on U…max, so the colours differ; the region must not.)
        func luma(_ img: RGBImage, _ i: Int) -> Double {
            0.299 * Double(img.pixels[3 * i]) + 0.587 * Double(img.pixels[3 * i + 1]) + 0.114 * Double(img.pixels[3 * i + 2])
        }
        func differs(_ a: RGBImage, _ b: RGBImage, _ i: Int, by d: Int) -> Bool {
            (0..<3).map { abs(Int(a.pixels[3 * i + $0]) - Int(b.pixels[3 * i + $0])) }.max()! > d
        }
        var a: [Double] = [], b: [Double] = [], se = 0.0
        var both = 0, either = 0
        for i in 0..<(p * p) {
            // Any change in the render's panel is its overlay (both are exact 224² PNG pixels);
            // on the screen, sixel's palette and two resamplings move pixels by up to ~30 levels.
            let renderColoured = differs(positive, plain, i, by: 2)
            let screenColoured = differs(shown, plain, i, by: 40)
            if renderColoured && screenColoured { both += 1 }
            if renderColoured || screenColoured { either += 1 }
            if !renderColoured {
                a.append(luma(shown, i)); b.append(luma(plain, i))
                for c in 0..<3 { let d = Double(shown.pixels[3 * i + c]) - Double(plain.pixels[3 * i + c]); se += d * d }
            }
        }
        // Luminance correlation on 4×4 blocks (56×56) lying wholly in the plain region: the
        // picture's structure without its pixel grain, which a 256-colour palette flattens.
        var plainMask = [Bool](repeating: false, count: p * p)
        for i in 0..<(p * p) { plainMask[i] = !differs(positive, plain, i, by: 2) }
        var ba: [Double] = [], bb: [Double] = []
        for by in 0..<(p / 4) {
            for bx in 0..<(p / 4) {
                var all = true, sa = 0.0, sb = 0.0
                for dy in 0..<4 { for dx in 0..<4 { let i = (4 * by + dy) * p + 4 * bx + dx; all = all && plainMask[i]; sa += luma(shown, i); sb += luma(plain, i) } }
                if all { ba.append(sa / 16); bb.append(sb / 16) }
            }
        }
        let corr = Self.correlation(ba, bb), pixelCorr = Self.correlation(a, b)
        // The whole scene against the render's positive panel (overlay colours differ a little).
        let whole = Self.correlation((0..<(p * p)).map { luma(shown, $0) }, (0..<(p * p)).map { luma(positive, $0) })
        let psnr = 10 * log10(255 * 255 / (se / Double(3 * a.count)))
        let overlap = either == 0 ? 1 : Double(both) / Double(either)
        print("xterm sixel: sample \(sample.id), scene \(crop.w)×\(crop.h) px at (\(crop.x),\(crop.y)); plain region \(a.count) px: " +
              "luma correlation \(formatFixed(corr, digits: 4)) on 4×4 blocks (\(ba.count)), \(formatFixed(pixelCorr, digits: 4)) per pixel, PSNR \(formatFixed(psnr, digits: 1)) dB; coloured-region IoU \(formatFixed(overlap, digits: 3)) " +
              "(\(both)/\(either)); whole scene vs positive panel luma correlation \(formatFixed(whole, digits: 4)); screenshot \(NSTemporaryDirectory())sslsan-xterm-last.png")
        // Thresholds, from the measured figures (scene0000_circle: PSNR 28.0 dB, region IoU
        // 0.89, block correlation 0.83) with margin. PSNR carries the picture: 24 dB is an RMS
        // error of 16 levels, which a blank, dithered-to-cells or misplaced picture exceeds
        // (the background's colours alone vary by more). The correlations are moderate even
        // for a right picture: the plain region is a smooth pink/blue background with fine
        // grain, which a 256-colour sixel palette flattens, and the whole-scene figure mixes
        // the two overlays' different colours (reported only).
        XCTAssertGreaterThan(psnr, 24)
        XCTAssertGreaterThan(overlap, 0.8)
        XCTAssertGreaterThan(corr, 0.7)
    }
}
