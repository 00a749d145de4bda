import Foundation
import XCTest
@testable import Core

/// The silence and noise the explorer plays and slides its live window over are each family's
/// own (`LocalisationModel.negativeWaveform`), and a window of them goes through the family's
/// negative recipe (`negativeInput(_:waveform:)`), not its clip front end: the whole waveform
/// gives exactly the evaluator's negative input, a slice the tiled waveform's.
final class NegativeWindowTests: XCTestCase {
    func models() -> [any LocalisationModel] {
        [SSLSaNModel(config: .full, seed: 1) as any LocalisationModel] + ModelFamily.allCases.filter { $0 != .sslTie }.map { ZooModel(family: $0) }
    }

    func testWholeNegativeWaveformGivesTheEvaluatorsInput() {
        for m in models() {
            for c in [AudioCondition.silence, .noise] {
                let w = m.negativeWaveform(c, seed: 77)
                let expected: Int
                switch m.specification.audioFrontEnd {
                case .logMel: expected = (m as! SSLSaNModel).config.windowSamples
                case .scipy(let window, _, _, _): expected = window.length
                case .rcgrad: expected = RCGradSpectrogram().window.length
                }
                XCTAssertEqual(w.count, expected, "\(m.label) \(c)")
                XCTAssertEqual(m.negativeInput(c, waveform: w).array, m.negativeInput(c, seed: 77).array, "\(m.label) \(c)")
            }
            // The same seed draws the same noise in every family (a longer draw starts with a shorter one).
            XCTAssertEqual(Array(m.negativeWaveform(.noise, seed: 5).prefix(1000)), NegativeAudio.noise(count: 1000, seed: 5), m.label)
        }
    }

    func testASliceIsTiledThroughTheNegativeRecipe() {
        for family in [ModelFamily.ezvsl, .lvs, .rcgrad] {
            let m = ZooModel(family: family)
            let w = m.negativeWaveform(.noise, seed: 3)
            let slice = Array(w[1000..<17000])
            var tiled: [Float] = []
            while tiled.count < w.count { tiled += slice.prefix(w.count - tiled.count) }
            XCTAssertEqual(m.negativeInput(.noise, waveform: slice).array, m.negativeInput(.noise, waveform: tiled).array, family.displayName)
            if family != .lvs {
                // EZ-VSL and RCGrad do not feed negatives like clips (EZ-VSL skips the log; RCGrad's
                // clip front end rolls the clip to its centre): the clip path would be another input.
                XCTAssertNotEqual(m.negativeInput(.noise, waveform: slice).array,
                                  m.audioInput(AudioClip(samples: slice, sampleRate: m.sampleRate)).array, family.displayName)
            }
        }
    }
}
