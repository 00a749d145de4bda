/// The one error type users see: a single line naming the file (when there is one) and the problem.
public struct SSLSaNError: Error, CustomStringConvertible, Sendable, Equatable {
    public let file: String?
    public let problem: String

    public init(_ problem: String, file: String? = nil) {
        self.problem = problem
        self.file = file
    }

    public var description: String { file.map { "\($0): \(problem)" } ?? problem }
}
