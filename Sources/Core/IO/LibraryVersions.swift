import CSndfile
import CSamplerate
import CPNG
import CTurboJPEG

/// Versions of the C libraries sslsan links, for `bench` and bug reports.
public enum LibraryVersions {
    public static var all: [String: String] {
        var buf = [CChar](repeating: 0, count: 128)
        sf_command(nil, Int32(SFC_GET_LIB_VERSION), &buf, Int32(buf.count))
        return [
            "sndfile": String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
            "samplerate": String(cString: src_get_version()),
            "png": String(cString: png_get_libpng_ver(nil)),
            "openblas": BLAS.coreName,
            "turbojpeg": "2.x",
        ]
    }
}
