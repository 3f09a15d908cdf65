"""torch.nn.init: in-place weight initialisers with torch's fan modes and gains."""

__all__: list[str] = []
