import CSamplerate
import CSndfile
import Foundation

/// Reads any audio file libsndfile knows (WAV in every PCM/float encoding, FLAC, OGG/Vorbis,
/// MP3 with libsndfile ≥ 1.1) into a mono float clip at the requested rate.
///
/// Integer PCM is scaled by 1/2^(bits−1) (PCM16: /32768), exactly as `torchaudio.load` does.
/// Channel 0 is kept by default because that is what vssl_eval does with stereo files (SPEC §1.1:
/// it takes channel 0, it does not average); `mixdown: true` averages the channels instead.
/// When the file's rate differs, the clip is resampled with libsamplerate's best sinc converter
/// (the reference never resamples; SPEC A19 recommends resampling everything to 16 kHz up front).
public enum AudioFile {
    public static func read(_ path: String, sampleRate: Int, mixdown: Bool = false) throws -> AudioClip {
        let (interleaved, channels, fileRate) = try decode(path)
        let frames = interleaved.count / channels
        var mono = [Float](repeating: 0, count: frames)
        if mixdown && channels > 1 {
            let scale = 1 / Float(channels)
            for t in 0..<frames {
                var s: Float = 0
                for c in 0..<channels { s += interleaved[t * channels + c] }
                mono[t] = s * scale
            }
        } else {
            for t in 0..<frames { mono[t] = interleaved[t * channels] }
        }
        try checkFinite(mono, path)
        guard sampleRate > 0 else { throw SSLSaNError("invalid target sample rate \(sampleRate)", file: path) }
        if fileRate != sampleRate {
            mono = try Resampler.resample(mono, from: fileRate, to: sampleRate, file: path)
        }
        return AudioClip(samples: mono, sampleRate: sampleRate)
    }

    /// Sample rate, channels and frames of a file without decoding it.
    public static func info(_ path: String) throws -> (sampleRate: Int, channels: Int, frames: Int) {
        let (sf, info) = try open(path)
        sf_close(sf)
        return (Int(info.samplerate), Int(info.channels), Int(info.frames))
    }

    // MARK: - internals

    static func open(_ path: String) throws -> (OpaquePointer, SF_INFO) {
        try FileCheck.readable(path)
        let head = try FileCheck.head(path, count: 12)
        // libsndfile quietly shortens a WAV whose data chunk is cut off; a truncated file must be an error.
        if head.count >= 12, head[0..<4] == [0x52, 0x49, 0x46, 0x46][...], head[8..<12] == [0x57, 0x41, 0x56, 0x45][...] {
            try WAVFile.checkChunks(path)
        }
        var info = SF_INFO()
        guard let sf = sf_open(path, Int32(sslsan_sfm_read()), &info) else {
            let why = String(cString: sf_strerror(nil))
            throw SSLSaNError("not a readable audio file (\(why))", file: path)
        }
        if info.channels <= 0 { sf_close(sf); throw SSLSaNError("audio file has zero channels", file: path) }
        if info.samplerate <= 0 { sf_close(sf); throw SSLSaNError("audio file has an invalid sample rate \(info.samplerate)", file: path) }
        return (sf, info)
    }

    /// All frames, interleaved, as float, plus channel count and file rate.
    static func decode(_ path: String) throws -> ([Float], Int, Int) {
        let (sf, info) = try open(path)
        defer { sf_close(sf) }
        let channels = Int(info.channels)
        // Some formats (MP3, some OGG) report an approximate or unknown length: read in blocks.
        var out = [Float]()
        if info.frames > 0 { out.reserveCapacity(Int(min(info.frames, 1 << 26)) * channels) }  // a header can lie
        let block = 65536
        var buf = [Float](repeating: 0, count: block * channels)
        while true {
            let got = buf.withUnsafeMutableBufferPointer { sf_readf_float(sf, $0.baseAddress, sf_count_t(block)) }
            if got <= 0 { break }
            out.append(contentsOf: buf[0..<(Int(got) * channels)])
        }
        let err = sf_error(sf)
        if err != 0 {
            throw SSLSaNError("corrupt or truncated audio data (\(String(cString: sf_strerror(sf))))", file: path)
        }
        if out.isEmpty { throw SSLSaNError("audio file holds no samples (empty clip)", file: path) }
        let major = Int32(info.format) & Int32(sslsan_sf_format_typemask())
        if info.frames > 0 && Int64(out.count / channels) < info.frames && major != Int32(sslsan_sf_format_mpeg()) {
            // Fewer frames than the header announces: the data was cut short (not checked for MP3,
            // whose header length is an estimate).
            throw SSLSaNError("truncated audio data: \(out.count / channels) of \(info.frames) frames", file: path)
        }
        return (out, channels, Int(info.samplerate))
    }

    static func checkFinite(_ x: [Float], _ path: String) throws {
        var bad = 0
        for v in x where !v.isFinite { bad += 1 }
        if bad == x.count { throw SSLSaNError("every sample is NaN or infinite", file: path) }
        if bad > 0 { throw SSLSaNError("\(bad) of \(x.count) samples are NaN or infinite", file: path) }
    }
}

/// Sample-rate conversion with libsamplerate (SRC_SINC_BEST_QUALITY: 97 dB SNR, 97 % bandwidth).
public enum Resampler {
    /// Converts `x` from `from` Hz to `to` Hz. The result has exactly round(count · to / from) samples.
    public static func resample(_ x: [Float], from: Int, to: Int, file: String? = nil) throws -> [Float] {
        if from == to || x.isEmpty { return x }
        let ratio = Double(to) / Double(from)
        let target = Int((Double(x.count) * ratio).rounded())
        var out = [Float](repeating: 0, count: target + 64)
        var generated = 0
        let err: Int32 = x.withUnsafeBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { o in
                var d = SRC_DATA()
                d.data_in = inp.baseAddress
                d.input_frames = Int(inp.count)
                d.data_out = o.baseAddress
                d.output_frames = Int(o.count)
                d.src_ratio = ratio
                let e = src_simple(&d, Int32(sslsan_src_sinc_best_quality()), 1)
                generated = Int(d.output_frames_gen)
                return e
            }
        }
        if err != 0 {
            throw SSLSaNError("resampling \(from) → \(to) Hz failed (\(String(cString: src_strerror(err))))", file: file)
        }
        // src_simple may stop a sample or two short of the ideal length; pad with the last value.
        if generated < target { for i in generated..<target { out[i] = generated > 0 ? out[generated - 1] : 0 } }
        return Array(out[0..<target])
    }
}
