"""torch.nn modules: activation modules (ReLU ... Softmax2d)."""

__all__: list[str] = []
