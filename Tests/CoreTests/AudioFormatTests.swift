import CSndfile
import Foundation
import XCTest
@testable import Core

/// Every encoding libsndfile can write here, read back through `AudioFile.read`. The fixtures
/// are written with libsndfile directly (not through the code under test).
final class AudioFormatTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try FrontEndFixtures.tempDir() }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// Writes `frames` (interleaved, `channels`) with libsndfile's float writer and clipping on.
    func write(_ path: String, format: Int32, channels: Int, rate: Int, _ frames: [Float]) throws {
        var info = SF_INFO()
        info.samplerate = Int32(rate); info.channels = Int32(channels); info.format = format
        guard sf_format_check(&info) != 0 else { throw XCTSkip("libsndfile cannot write format 0x\(String(format, radix: 16))") }
        guard let sf = sf_open(path, Int32(sslsan_sfm_write()), &info) else { throw XCTSkip("sf_open failed for 0x\(String(format, radix: 16))") }
        sf_command(sf, Int32(sslsan_sfc_set_clipping()), nil, 1)
        _ = frames.withUnsafeBufferPointer { sf_writef_float(sf, $0.baseAddress, sf_count_t(frames.count / channels)) }
        sf_close(sf)
    }

    func testEncodings() throws {
        let n = 4000
        let x: [Float] = (0..<n).map { Float(0.6 * sin(Double($0) * 2 * .pi * 300 / 16000)) }
        let wav = Int32(SF_FORMAT_WAV)
        let pcm16: Int32 = Int32(SF_FORMAT_PCM_16), pcm24: Int32 = Int32(SF_FORMAT_PCM_24), pcm32: Int32 = Int32(SF_FORMAT_PCM_32)
        let u8: Int32 = Int32(SF_FORMAT_PCM_U8), f32: Int32 = Int32(SF_FORMAT_FLOAT), f64: Int32 = Int32(SF_FORMAT_DOUBLE)
        let flac: Int32 = Int32(SF_FORMAT_FLAC), ogg: Int32 = Int32(SF_FORMAT_OGG), vorbis: Int32 = Int32(SF_FORMAT_VORBIS)
        var cases: [(String, Int32, Float)] = []
        cases.append(("pcm16.wav", wav | pcm16, 1.0 / 32768))
        cases.append(("pcm24.wav", wav | pcm24, 1e-6))
        cases.append(("pcm32.wav", wav | pcm32, 1e-6))
        cases.append(("u8.wav", wav | u8, 1.0 / 128))
        cases.append(("float.wav", wav | f32, 0))
        cases.append(("double.wav", wav | f64, 1e-7))
        cases.append(("a.flac", flac | pcm16, 1.0 / 32768))
        cases.append(("a.ogg", ogg | vorbis, 0.05))
        for (name, format, tol) in cases {
            let p = dir + "/" + name
            do { try write(p, format: format, channels: 1, rate: 16000, x) } catch is XCTSkip { print("skipped \(name)"); continue }
            let clip = try AudioFile.read(p, sampleRate: 16000)
            XCTAssertEqual(clip.samples.count, n, name)
            var err: Float = 0
            for i in 0..<min(n, clip.samples.count) { err = max(err, abs(clip.samples[i] - x[i])) }
            XCTAssertLessThanOrEqual(err, tol + 1e-7, name)
        }
    }

    func testMP3IfSupported() throws {
        let p = dir + "/a.mp3"
        let x: [Float] = (0..<16000).map { Float(0.5 * sin(Double($0) * 2 * .pi * 440 / 16000)) }
        let format = Int32(SF_FORMAT_MPEG) | Int32(SF_FORMAT_MPEG_LAYER_III)
        try write(p, format: format, channels: 1, rate: 16000, x)
        let clip = try AudioFile.read(p, sampleRate: 16000)
        // MP3 adds encoder delay and padding: the length is close, not exact.
        XCTAssertEqual(Double(clip.samples.count), 16000, accuracy: 3000)
        XCTAssertGreaterThan(clip.samples.map(abs).max() ?? 0, 0.3)
    }

    func testStereoFlac() throws {
        let p = dir + "/s.flac"
        let frames = 1000
        var inter = [Float](repeating: 0, count: frames * 2)
        for t in 0..<frames { inter[2 * t] = Float(t % 10) / 20; inter[2 * t + 1] = -0.25 }
        try write(p, format: Int32(SF_FORMAT_FLAC) | Int32(SF_FORMAT_PCM_16), channels: 2, rate: 16000, inter)
        let c0 = try AudioFile.read(p, sampleRate: 16000).samples
        for t in 0..<frames { XCTAssertEqual(c0[t], Float(t % 10) / 20, accuracy: 1.0 / 32768) }
        let mix = try AudioFile.read(p, sampleRate: 16000, mixdown: true).samples
        XCTAssertEqual(mix[3], (0.15 - 0.25) / 2, accuracy: 1.0 / 32768)
        let info = try AudioFile.info(p)
        XCTAssertEqual(info.channels, 2); XCTAssertEqual(info.frames, frames); XCTAssertEqual(info.sampleRate, 16000)
    }
}
