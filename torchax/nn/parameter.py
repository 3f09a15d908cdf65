"""torch.nn.Parameter, Buffer, UninitializedParameter, UninitializedBuffer."""

__all__: list[str] = []
