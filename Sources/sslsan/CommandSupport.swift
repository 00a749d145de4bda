import ArgumentParser
import Foundation
import Core

/// Runs a command body and turns an `SSLSaNError` into one line on stderr and exit status 1
/// (no stack trace, no usage dump).
func reportingErrors(_ body: () throws -> Void) throws {
    do { try body() } catch let e as SSLSaNError {
        FileHandle.standardError.write(Data("sslsan: \(e)\n".utf8))
        throw ExitCode.failure
    }
}
