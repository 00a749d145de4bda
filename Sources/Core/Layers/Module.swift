/// A layer that owns trainable tensors, as a PyTorch `state_dict` sees it. Encoders list their
/// layers with names once (`ResNetEncoder.modules`); parameters, buffers and the checkpoint
/// layout are all derived from that list.
public enum Module: @unchecked Sendable {
    /// `<name>.weight`.
    case conv(Conv2d)
    /// `<name>.weight`, `.bias`, `.running_mean`, `.running_var`, `.num_batches_tracked`.
    case batchNorm(BatchNorm2d)

    /// (suffix, value, gradient) of the trainable tensors, state_dict order.
    public var trainable: [(suffix: String, value: Tensor, grad: Tensor)] {
        switch self {
        case .conv(let c): return [("weight", c.weight, c.weightGrad)]
        case .batchNorm(let b): return [("weight", b.weight, b.weightGrad), ("bias", b.bias, b.biasGrad)]
        }
    }
}
