import Foundation

/// A named set of stored tensors, whatever file they came from (safetensors today, `torch.save`
/// archives next). Model loaders read weights only through this, so every checkpoint format
/// reaches every model family without a converter in between.
public protocol TensorSource {
    /// The file the tensors came from, for error lines.
    var path: String { get }
    /// String metadata stored beside the tensors (safetensors' `__metadata__`); empty if none.
    var metadata: [String: String] { get }
    /// Every tensor name, in stored order.
    var names: [String] { get }
    /// Stored dtype and shape of `name`, or nil when absent.
    func dtypeAndShape(_ name: String) -> (dtype: SafetensorsDType, shape: [Int])?
    /// Any floating or integer tensor converted to float32.
    func tensor(_ name: String) throws -> Tensor
    /// Integer tensors as Int64 values.
    func int64s(_ name: String) throws -> [Int64]
}

extension SafetensorsFile: TensorSource {
    public func dtypeAndShape(_ name: String) -> (dtype: SafetensorsDType, shape: [Int])? {
        entry(name).map { ($0.dtype, $0.shape) }
    }
}
