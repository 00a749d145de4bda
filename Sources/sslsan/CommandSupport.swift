import ArgumentParser
import Foundation
import Core

/// The embedding-cache options `eval` and `explore` share: one cache folder serves both, so a
/// dataset scored by one is not encoded again by the other.
struct CacheOptions: ParsableArguments {
    @Option(help: "Embedding cache folder, shared by 'sslsan eval' and 'sslsan explore' (default: $SSLSAN_CACHE_DIR, else $XDG_CACHE_HOME/sslsan/embeddings, else ~/.cache/sslsan/embeddings).")
    var cacheDir: String?

    @Flag(help: "Do not read or write the embedding cache.")
    var noCache = false

    /// The cache folder to use, or nil with --no-cache or SSLSAN_CACHE_DIR=off.
    var directory: String? { noCache ? nil : cacheDir ?? EmbeddingCache.defaultDirectory() }
}

/// Runs a command body and turns an `SSLSaNError` into one line on stderr and exit status 1
/// (no stack trace, no usage dump).
func reportingErrors(_ body: () throws -> Void) throws {
    do { try body() } catch let e as SSLSaNError {
        FileHandle.standardError.write(Data("sslsan: \(e)\n".utf8))
        throw ExitCode.failure
    }
}
