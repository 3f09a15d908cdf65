"""torch.nn modules: Fold, Unfold."""

__all__: list[str] = []
