"""torch.nn modules: CosineSimilarity, PairwiseDistance."""

__all__: list[str] = []
