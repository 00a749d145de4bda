import ArgumentParser
import Foundation
import Core
import Render

/// `sslsan render`: the paper's Fig. 2 for one sample as a PNG: the image, its ground truth,
/// and the raw map under each audio condition (positive, silence, noise, off-screen) in a colour
/// map over the image, thresholded at U, each captioned with the map's maximum.
struct RenderFigureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render", abstract: "Write a figure (image, ground truth, four conditions) as PNG.",
        discussion: """
        The maps are computed exactly as 'sslsan eval' computes them (Evaluator): noise and the \
        off-screen audio are those of the first evaluation pass (seed 1234). With --threshold auto \
        the dataset is scored first and U is the third quartile of the pooled negative maxima \
        (silence, noise and off-screen over all passes), as in the paper.
        """)

    @Option(help: "Dataset folder (any format the dataset reader detects).")
    var data: String

    @Option(help: "Model checkpoint of any supported family (see `sslsan models`): .safetensors, or a PyTorch .pth / .pth.tar / .pt.")
    var checkpoint: String

    @Option(help: "Model family, when the file does not say.")
    var model: ModelFamily?

    @Option(help: "Id of the sample to draw.")
    var id: String

    @Option(help: "Output PNG file.")
    var out: String

    @Option(help: "Threshold U: 'auto' (Q3 of the dataset's pooled negative maxima), 'paper' (vssl_eval's U for the family) or a number.")
    var threshold: String = "auto"

    @Option(help: "Colour map: jet (as in the paper) or viridis.")
    var colormap: String = "jet"

    @Option(help: "Evaluation passes pooled for --threshold auto (the paper uses 10).")
    var passes: Int = 10

    @Option(help: "Panel size in pixels.")
    var panel: Int = 224

    func validate() throws {
        guard ColorMap(rawValue: colormap) != nil else { throw ValidationError("--colormap must be jet or viridis") }
        guard threshold == "auto" || threshold == "paper" || Double(threshold)?.isFinite == true else { throw ValidationError("--threshold must be 'auto', 'paper' or a number") }
        guard (32...1024).contains(panel) else { throw ValidationError("--panel must be between 32 and 1024") }
        guard (1...100).contains(passes) else { throw ValidationError("--passes must be between 1 and 100") }
    }

    func run() throws {
        try reportingErrors {
            var given = Double(threshold)
            if threshold == "paper" {
                let family = try model ?? LocalisationModels.open(checkpoint).family
                guard let u = family.specification.paperThreshold else { throw SSLSaNError("vssl_eval defines no threshold for \(family.displayName); use auto or a number") }
                given = Double("\(u)") ?? Double(u)
            }
            let figure = try FigureRendering.render(data: data, checkpoint: checkpoint, family: model, id: id, threshold: given,
                                                    colorMap: ColorMap(rawValue: colormap)!, passes: passes, panel: panel)
            try PNGFile.write(figure.image, to: out)
            print("\(out): \(figure.image.width)x\(figure.image.height), U=\(formatFixed(figure.threshold, digits: 4)) (\(figure.thresholdSource)); " +
                  figure.maps.map { "\($0.condition.rawValue) max \(formatFixed(Double($0.map.max), digits: 3))" }.joined(separator: ", "))
        }
    }
}

/// The work of `sslsan render`, separate from argument parsing so the explorer or a script can
/// produce the same figure.
enum FigureRendering {
    struct Output {
        var image: RGBImage
        var threshold: Double
        var thresholdSource: String
        var maps: [(condition: AudioCondition, map: SimilarityMap)]
    }

    /// Loads the dataset and model, scores the sample (and, without a threshold, the dataset for
    /// U), and draws the figure.
    static func render(data: String, checkpoint: String, family: ModelFamily? = nil, id: String, threshold: Double?, colorMap: ColorMap,
                       passes: Int, panel: Int) throws -> Output {
        // Unannotated pairs (e.g. the real IS3+ pairs without masks) are drawn too, without an outline.
        let dataset = try Dataset.open(data, requireGroundTruth: false)
        guard let index = dataset.samples.firstIndex(where: { $0.id == id }) else {
            let near = dataset.samples.prefix(3).map(\.id).joined(separator: ", ")
            throw SSLSaNError("no sample with id '\(id)' in \(data) (\(dataset.samples.count) samples, e.g. \(near))")
        }
        let model = try LocalisationModels.open(checkpoint, family: family)
        var options = Evaluator.Options()
        options.passes = threshold == nil ? passes : 1
        options.retrieval = false
        // U comes from what `sslsan eval` scores (the annotated samples), so the figure's
        // threshold is eval's; a sample outside that set is scored over the whole list.
        let annotated = dataset.samples.filter(\.hasGroundTruth)
        let evaluator = Evaluator(model: model, samples: annotated, options: options)

        let u: Double, source: String
        if let threshold {
            u = threshold; source = "given"
        } else {
            ComputeBudget.apply(.jobPerCore())   // the front door's budget: samples in parallel
            let result = try evaluator.run(progress: { p in
                if p.done == p.total || p.done % 100 == 0 {
                    FileHandle.standardError.write(Data("scoring \(p.phase.rawValue): \(p.done)/\(p.total)\n".utf8))
                }
            })
            u = result.metrics.universalThreshold
            source = "Q3 of \(result.metrics.negativeMaxima.count) negative maxima"
        }

        let scored: ScoredSample
        if let k = annotated.firstIndex(where: { $0.id == id }) {
            scored = try evaluator.score(sample: k, passes: 0..<1).sample
        } else {
            scored = try Evaluator(model: model, dataset: dataset, options: options).score(sample: index, passes: 0..<1).sample
        }
        var maps: [(condition: AudioCondition, map: SimilarityMap)] = [(.positive, scored.positive)]
        if let s = scored.silence { maps.append((.silence, s)) }
        if let n = scored.noise.first { maps.append((.noise, n)) }
        if let o = scored.offscreen.first { maps.append((.offscreen, o)) }

        let sample = dataset.samples[index]
        let image = try ImageFile.read(sample.imagePath)
        var figureOptions = FigureOptions(threshold: u, colorMap: colorMap, panelSize: panel)
        figureOptions.postProcessing = scored.postProcessing
        let figure = Figure.sample(id: sample.id, image: image, groundTruth: scored.groundTruth, maps: maps, options: figureOptions)
        return Output(image: figure, threshold: u, thresholdSource: source, maps: maps)
    }

}
