"""torch.nn modules: Embedding, EmbeddingBag."""

__all__: list[str] = []
