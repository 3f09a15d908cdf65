"""torch.nn modules: max/avg/adaptive/LP pooling and MaxUnpool modules."""

__all__: list[str] = []
