import ArgumentParser
import Core

@main
struct SSLSaNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sslsan",
        abstract: "Visual sound source localisation explorer and on-CPU engine for SSL-SaN.",
        subcommands: []
    )
}
