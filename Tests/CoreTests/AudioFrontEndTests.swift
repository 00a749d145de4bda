import Foundation
import XCTest
@testable import Core

final class AudioFrontEndTests: XCTestCase {
    nonisolated(unsafe) static var golden: SafetensorsFile?
    func vectors() throws -> SafetensorsFile {
        if let g = Self.golden { return g }
        let g = try SafetensorsFile(path: try SharedData.path("golden/vectors.safetensors"))
        Self.golden = g
        return g
    }

    func testWindowTilesAndTruncates() {
        var c = ModelConfig.full
        c.clipSeconds = 0.001  // 16 samples
        let mel = MelSpectrogram(config: c)
        XCTAssertEqual(mel.window([1, 2, 3, 4, 5]), [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1])
        XCTAssertEqual(mel.window(Array(0..<20).map(Float.init)), Array(0..<16).map(Float.init))
        XCTAssertEqual(mel.window([]), [Float](repeating: 0, count: 16))
        // 3 s at 16 kHz → 3⅓ copies.
        let full = MelSpectrogram(config: .full)
        let w = full.window((0..<48000).map { Float($0) })
        XCTAssertEqual(w.count, 160000)
        XCTAssertEqual(w[48000], 0); XCTAssertEqual(w[159999], Float(159999 - 3 * 48000))
    }

    func testFrameCounts() {
        XCTAssertEqual(MelSpectrogram(config: .full).power([Float](repeating: 0.1, count: 160000)).shape, [1, 1, 257, 670])
        var s4 = ModelConfig.full
        s4.clipSeconds = 5
        XCTAssertEqual(MelSpectrogram(config: s4).power([Float](repeating: 0.1, count: 80000)).shape, [1, 1, 257, 335])
    }

    func testRealFFTMatchesDFT() {
        for n in [8, 16, 512, 12, 400] {
            let fft = RealFFT(n: n)
            let x = (0..<n).map { sin(Double($0) * 0.37) + 0.25 * cos(Double($0 * $0) * 0.11) }
            var out = [Double](repeating: 0, count: n / 2 + 1)
            x.withUnsafeBufferPointer { xp in
                out.withUnsafeMutableBufferPointer { fft.power(xp.baseAddress!, into: $0.baseAddress!, scratch: RealFFT.Scratch(n: n)) }
            }
            for k in 0...(n / 2) {
                var re = 0.0, im = 0.0
                for j in 0..<n { re += x[j] * cos(2 * .pi * Double(k * j) / Double(n)); im -= x[j] * sin(2 * .pi * Double(k * j) / Double(n)) }
                XCTAssertEqual(out[k], re * re + im * im, accuracy: 1e-9 * max(1, re * re + im * im), "n=\(n) k=\(k)")
            }
        }
    }

    func testMelFilterbankMatchesTorchaudio() throws {
        let g = try vectors().tensor("mel_fbank")
        XCTAssertEqual(g.shape, [257, 257])
        let fb = MelSpectrogram(config: .full).filterbank
        var maxAbs: Float = 0, differing = 0
        for i in 0..<g.count {
            let d = abs(fb.weights[i] - g[i])
            maxAbs = max(maxAbs, d)
            if d != 0 { differing += 1 }
        }
        print("mel_fbank: max abs diff \(maxAbs), \(differing) of \(g.count) weights not bit-identical")
        // Weights are ≤ 1, so this is the ~1e-5 relative-to-peak agreement; the residue is torch's
        // 1-ulp SIMD pow at two filter edges (see MelFilterbank).
        XCTAssertLessThanOrEqual(maxAbs, 2e-5)
        XCTAssertLessThanOrEqual(differing, 40)
        let expectedEmpty = [0, 1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22, 25, 28, 29, 32, 35, 38, 41, 44, 47, 50, 53, 58, 63, 68, 81]
        XCTAssertEqual(fb.emptyFilters, expectedEmpty)
        // The golden filterbank has zeros exactly where ours does.
        for i in 0..<g.count { XCTAssertEqual(g[i] == 0, fb.weights[i] == 0, "zero pattern differs at \(i)") }
    }

    func testLogMelOfGoldenClip() throws {
        let v = try vectors()
        let clip = try AudioFile.read(try SharedData.path("golden/input.wav"), sampleRate: 16000)
        XCTAssertEqual(clip.samples.count, 19286)
        let mel = MelSpectrogram(config: .full)
        let got = mel.logMel(clip)
        let ref = try v.tensor("logmel")
        XCTAssertEqual(got.shape, ref.shape)
        let (maxAbs, q999) = Self.compareDB(got, ref)
        print("logmel: max |diff| \(maxAbs) dB, 99.9 % quantile \(q999) dB")
        XCTAssertLessThanOrEqual(maxAbs, 0.05)
        XCTAssertLessThanOrEqual(q999, 2e-3)

        // Mel power before dB: relative 1e-3 where power > 1e-6 (first 64 frames stored).
        let crop = try v.tensor("mel_power_crop")
        XCTAssertEqual(crop.shape, [1, 257, 64])
        let p = mel.power(mel.window(clip.samples))
        var worst: Float = 0
        for m in 0..<257 { for t in 0..<64 {
            let r = crop[m * 64 + t], o = p[m * 670 + t]
            if r > 1e-6 { worst = max(worst, abs(o - r) / r) } else { XCTAssertLessThan(abs(o - r), 1e-6) }
        } }
        print("mel_power_crop: max relative diff (power > 1e-6) \(worst)")
        XCTAssertLessThanOrEqual(worst, 1e-3)
    }

    func testNoiseAndSilence() throws {
        let v = try vectors()
        let noise = try v.tensor("noise_input")
        let mel = MelSpectrogram(config: .full)
        let got = mel.logMel(window: mel.window(noise.array))
        let (maxAbs, q999) = Self.compareDB(got, try v.tensor("noise_logmel"))
        print("noise_logmel: max |diff| \(maxAbs) dB, 99.9 % quantile \(q999) dB")
        XCTAssertLessThanOrEqual(maxAbs, 0.05)
        XCTAssertLessThanOrEqual(q999, 2e-3)

        let silent = mel.logMel(AudioClip(samples: [Float](repeating: 0, count: 160000), sampleRate: 16000))
        XCTAssertEqual(silent.minValue, -100); XCTAssertEqual(silent.maxValue, -100)
        var c = ModelConfig.full
        c.negativesInDB = true
        let s = NegativeAudio.spectrogram(.silence, config: c, seed: 1)
        XCTAssertEqual(s.shape, [1, 1, 257, 670]); XCTAssertEqual(s.minValue, -100); XCTAssertEqual(s.maxValue, -100)
        c.negativesInDB = false
        let z = NegativeAudio.spectrogram(.silence, config: c, seed: 1)
        XCTAssertEqual(z.minValue, 0); XCTAssertEqual(z.maxValue, 0)
        // Linear noise power: E[P] = 1 per bin, so mel values are O(0.1–3) with the empty rows exactly 0.
        let n = NegativeAudio.spectrogram(.noise, config: c, seed: 7)
        XCTAssertEqual(n.shape, [1, 1, 257, 670])
        XCTAssertEqual(n[0], 0)
        XCTAssertGreaterThan(n.maxValue, 0.5); XCTAssertLessThan(n.maxValue, 20)
        c.negativesInDB = true
        let nd = NegativeAudio.spectrogram(.noise, config: c, seed: 7)
        XCTAssertEqual(nd[0], -100)
        XCTAssertEqual(nd[300 * 1 + 200 * 670], Float(10 * log10(Double(n[300 + 200 * 670]))), accuracy: 1e-4)
    }

    func testNoiseGeneratorIsSeededStandardNormal() {
        let a = NegativeAudio.noise(config: .full, seed: 42), b = NegativeAudio.noise(config: .full, seed: 42)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, NegativeAudio.noise(config: .full, seed: 43))
        XCTAssertEqual(a.count, 160000)
        let mean = a.reduce(0.0) { $0 + Double($1) } / Double(a.count)
        let variance = a.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(a.count)
        XCTAssertEqual(mean, 0, accuracy: 0.01)
        XCTAssertEqual(variance, 1, accuracy: 0.02)
        // SplitMix64 reference value for seed 0 (first output 0xE220A8397B1DCDAF).
        var g = Random(seed: 0)
        XCTAssertEqual(g.next(), 0xE220_A839_7B1D_CDAF)
        // The noise of the explorer's and eval's first pass (seed 1234) as sslsan has always drawn
        // it (Box–Muller in double from SplitMix64, computed independently in Python): the
        // committed README/TRAINING numbers depend on these waveforms.
        let first = NegativeAudio.noise(config: .full, seed: 1234).prefix(4).map(\.bitPattern)
        XCTAssertEqual(first, [0xbf29_3bb5, 0xbedf_8508, 0xbf1e_464e, 0x3fd6_c612])
    }

    func testSpeedAndThreadSafety() {
        let mel = MelSpectrogram(config: .full)
        let x = NegativeAudio.noise(config: .full, seed: 3)
        _ = mel.logMel(window: x)
        let reps = 10
        func cpuSeconds() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
        }
        let t0 = Date(), c0 = cpuSeconds()
        for _ in 0..<reps { _ = mel.logMel(window: x) }
        let ms = Date().timeIntervalSince(t0) * 1000 / Double(reps)
        let cpuMs = (cpuSeconds() - c0) * 1000 / Double(reps)
        print("front end: \(String(format: "%.2f", ms)) ms wall, \(String(format: "%.2f", cpuMs)) ms CPU per 10 s clip (STFT + mel + dB)")
        XCTAssertLessThan(ms, 50)
        let ref = mel.logMel(window: x).array
        let results = Tensor(shape: [4])  // disjoint writes from 4 threads
        DispatchQueue.concurrentPerform(iterations: 4) { i in results[i] = mel.logMel(window: x).array == ref ? 1 : 0 }
        XCTAssertEqual(results.array, [1, 1, 1, 1])
    }

    /// Max |a − b| and the 99.9 % quantile of |a − b|.
    static func compareDB(_ a: Tensor, _ b: Tensor) -> (Float, Float) {
        var d = (0..<a.count).map { abs(a[$0] - b[$0]) }
        d.sort()
        return (d.last ?? 0, d[min(d.count - 1, Int(Double(d.count) * 0.999))])
    }
}
