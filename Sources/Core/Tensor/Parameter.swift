/// A trainable tensor, its gradient and its PyTorch `state_dict` name: what an optimiser walks.
/// The layers own the two tensors (`Conv2d.weight`/`weightGrad`, `BatchNorm2d.weight`/`weightGrad`,
/// …); a `Parameter` names them, so there is one registry of names (`ResNetEncoder.modules`).
public struct Parameter: @unchecked Sendable {
    public let name: String
    public let value: Tensor
    public let grad: Tensor

    public init(name: String, value: Tensor, grad: Tensor) {
        precondition(value.shape == grad.shape, "\(name): gradient \(grad.shape) for value \(value.shape)")
        self.name = name; self.value = value; self.grad = grad
    }
}
