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
    /// - Parameter maxSamples: the most samples (at `sampleRate`) the caller uses, counted from
    ///   the start: the model uses the first `config.windowSamples` of a clip (SPEC §1.2), so
    ///   eval, infer and training pass that and a 10-minute file costs what its first 10 s cost.
    ///   Only the frames that yield them are decoded and resampled — plus the resampler's filter
    ///   reach past the cut (`Resampler.reach`), so the samples kept are those of resampling the
    ///   whole file and cutting. nil reads everything (the explorer shows the whole waveform).
    public static func read(_ path: String, sampleRate: Int, mixdown: Bool = false, maxSamples: Int? = nil) throws -> AudioClip {
        guard sampleRate > 0 else { throw SSLSaNError("invalid target sample rate \(sampleRate)", file: path) }
        let (interleaved, channels, fileRate) = try decode(path) { fileRate in
            maxSamples.map { Resampler.inputFrames(for: max($0, 1), from: fileRate, to: sampleRate) }
        }
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
        if fileRate != sampleRate {
            mono = try Resampler.resample(mono, from: fileRate, to: sampleRate, file: path)
        }
        if let m = maxSamples, mono.count > m { mono.removeSubrange(max(m, 0)...) }
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

    /// The frames, interleaved, as float, plus channel count and file rate. `limit` gets the
    /// file's rate and says how many frames from the start are needed (nil: all of them).
    static func decode(_ path: String, limit: (Int) -> Int? = { _ in nil }) throws -> ([Float], Int, Int) {
        let (sf, info) = try open(path)
        defer { sf_close(sf) }
        let channels = Int(info.channels)
        let wanted = limit(Int(info.samplerate))
        // Some formats (MP3, some OGG) report an approximate or unknown length: read in blocks.
        var out = [Float]()
        if info.frames > 0 { out.reserveCapacity(Int(min(info.frames, Int64(wanted ?? Int.max), 1 << 26)) * channels) }  // a header can lie
        let block = 65536
        var buf = [Float](repeating: 0, count: block * channels)
        var reachedEnd = false
        while wanted.map({ out.count / channels < $0 }) ?? true {
            let ask = min(block, (wanted ?? Int.max) - out.count / channels)
            let got = buf.withUnsafeMutableBufferPointer { sf_readf_float(sf, $0.baseAddress, sf_count_t(ask)) }
            if got <= 0 { reachedEnd = true; break }
            out.append(contentsOf: buf[0..<(Int(got) * channels)])
        }
        let err = sf_error(sf)
        if err != 0 {
            throw SSLSaNError("corrupt or truncated audio data (\(String(cString: sf_strerror(sf))))", file: path)
        }
        if out.isEmpty { throw SSLSaNError("audio file holds no samples (empty clip)", file: path) }
        let major = Int32(info.format) & Int32(sslsan_sf_format_typemask())
        if reachedEnd && info.frames > 0 && Int64(out.count / channels) < info.frames && major != Int32(sslsan_sf_format_mpeg()) {
            // Fewer frames than the header announces: the data was cut short (not checked for MP3,
            // whose header length is an estimate). A WAV's data chunk is checked against the file
            // size on open, so a cut after the part read is found too.
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
    /// Input samples past the last needed output position that the converter's sinc filter reads.
    /// SRC_SINC_BEST_QUALITY's filter spans 340 239 coefficients at 2 381 per zero crossing, i.e.
    /// 143 input samples on each side of an output; when downsampling the filter is widened by
    /// 1/ratio. 160 leaves a margin: an output this far from the end of the input is computed
    /// from exactly the same inputs as with the whole file (libsamplerate's zero padding at the
    /// end of input reaches only the last 143/ratio outputs).
    public static func reach(ratio: Double) -> Int { Int((160 / min(1, ratio)).rounded(.up)) }

    /// Frames at `from` Hz to read so that resampling them gives the first `samples` samples at
    /// `to` Hz exactly as resampling the whole file would.
    public static func inputFrames(for samples: Int, from: Int, to: Int) -> Int {
        if from == to { return samples }
        let ratio = Double(to) / Double(from)
        return Int((Double(samples) / ratio).rounded(.up)) + reach(ratio: ratio)
    }

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
