import CSndfile
import Foundation

/// WAV writing (libsndfile) and a structural check of RIFF/WAVE files.
public enum WAVFile {
    public enum Encoding: Sendable { case pcm16, float32 }

    /// Writes a mono WAV atomically. PCM16 (the default, the format of every dataset clip) is
    /// quantised here as round(x·32768) clamped to [−32768, 32767], so reading it back with the
    /// /32768 scale of `AudioFile.read` returns exactly the quantised value (libsndfile's own
    /// float→int conversion would scale by 32767 instead).
    public static func write(_ clip: AudioClip, to path: String, encoding: Encoding = .pcm16) throws {
        guard !clip.samples.isEmpty else { throw SSLSaNError("cannot write an empty clip", file: path) }
        guard clip.sampleRate > 0 else { throw SSLSaNError("cannot write a clip with sample rate \(clip.sampleRate)", file: path) }
        try AtomicFile.writeVia(path) { tmp in
            var info = SF_INFO()
            info.samplerate = Int32(clip.sampleRate)
            info.channels = 1
            info.format = Int32(encoding == .pcm16 ? sslsan_sf_format_wav_pcm16() : sslsan_sf_format_wav_float())
            guard let sf = sf_open(tmp, Int32(sslsan_sfm_write()), &info) else {
                throw SSLSaNError("cannot open for writing (\(String(cString: sf_strerror(nil))))", file: path)
            }
            let n = clip.samples.count
            var written: sf_count_t = 0
            switch encoding {
            case .pcm16:
                var q = [Int16](repeating: 0, count: n)
                for i in 0..<n {
                    let v = clip.samples[i]
                    let s = v.isFinite ? (v * 32768).rounded() : 0
                    q[i] = Int16(max(-32768, min(32767, s)))
                }
                written = q.withUnsafeBufferPointer { sf_writef_short(sf, $0.baseAddress, sf_count_t(n)) }
            case .float32:
                written = clip.samples.withUnsafeBufferPointer { sf_writef_float(sf, $0.baseAddress, sf_count_t(n)) }
            }
            sf_write_sync(sf)
            let closeErr = sf_close(sf)
            if written != n || closeErr != 0 {
                throw SSLSaNError("writing the WAV failed (\(written) of \(n) frames)", file: path)
            }
        }
    }

    /// Walks the RIFF chunks of a WAVE file and throws when the `data` chunk is missing or
    /// announces more bytes than the file holds (a cut-off download or copy). Streaming
    /// writers put 0 or 0xFFFFFFFF in the size: those are accepted.
    static func checkChunks(_ path: String) throws {
        guard let fh = FileHandle(forReadingAtPath: path) else { throw SSLSaNError("cannot open the file", file: path) }
        defer { try? fh.close() }
        let fileSize = Int((try? fh.seekToEnd()) ?? 0)
        var pos = 12
        var sawFmt = false
        while pos + 8 <= fileSize {
            try? fh.seek(toOffset: UInt64(pos))
            guard let hd = try? fh.read(upToCount: 8), hd.count == 8 else { break }
            let b = [UInt8](hd)
            let id = String(decoding: b[0..<4], as: UTF8.self)
            let size = Int(b[4]) | Int(b[5]) << 8 | Int(b[6]) << 16 | Int(b[7]) << 24
            if id == "fmt " { sawFmt = true }
            if id == "data" {
                if !sawFmt { throw SSLSaNError("corrupt WAV: data chunk before fmt chunk", file: path) }
                if size == 0 || size == 0xFFFF_FFFF { return }
                if pos + 8 + size > fileSize {
                    throw SSLSaNError("truncated WAV: data chunk announces \(size) bytes, file holds \(fileSize - pos - 8)", file: path)
                }
                return
            }
            pos += 8 + size + (size & 1)
        }
        throw SSLSaNError(sawFmt ? "truncated WAV: no data chunk" : "corrupt WAV: no fmt chunk", file: path)
    }
}
