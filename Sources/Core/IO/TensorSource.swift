import Foundation

/// A named set of stored tensors, whatever file they came from (safetensors, or a `torch.save`
/// archive read by `TorchCheckpoint`). Model loaders read weights only through this, so every
/// checkpoint format reaches every model family without a converter in between.
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
    /// The logical values in the stored dtype, contiguous, little-endian (what `inspect --dump` writes).
    func rawBytes(_ name: String) throws -> Data
}

extension SafetensorsFile: TensorSource {
    public func dtypeAndShape(_ name: String) -> (dtype: SafetensorsDType, shape: [Int])? {
        entry(name).map { ($0.dtype, $0.shape) }
    }
}

/// Opens any checkpoint file sslsan reads, chosen by its content (not its extension): safetensors,
/// or a `torch.save` file (`.pth`, `.pth.tar`, `.pt`) in the zip or the legacy pickle format. The
/// one function front doors and `SSLSaNModel.load` open weight files through.
public func openTensorSource(_ path: String) throws -> any TensorSource {
    let data = try TorchCheckpoint.mapFile(path)
    if TorchCheckpoint.recognises(data) { return try TorchCheckpoint(data: data, path: path) }
    if data.count >= 9, data[data.startIndex + 8] == UInt8(ascii: "{") { return try SafetensorsFile(data: data, path: path) }
    if data.count >= 262, String(decoding: data[(data.startIndex + 257)..<(data.startIndex + 262)], as: UTF8.self) == "ustar" {
        throw SSLSaNError("a tar archive: torch.save's pre-1.0 tar format is not supported (load and re-save it with a current PyTorch)", file: path)
    }
    throw SSLSaNError("not a checkpoint sslsan reads (neither safetensors nor a torch.save zip or legacy pickle)", file: path)
}

extension SafetensorsWriter {
    /// Every tensor of `source` in its stored dtype with its logical values, in stored order, and
    /// its metadata: the flat dict `sslsan inspect --dump` writes (for a torch.save file: container
    /// unwrapped, prefix stripped, views made contiguous).
    public init(copying source: any TensorSource) throws {
        self.init(metadata: source.metadata)
        for n in source.names {
            guard let (dtype, shape) = source.dtypeAndShape(n) else { continue }
            add(n, dtype: dtype, shape: shape, rawBytes: try source.rawBytes(n))
        }
    }
}
