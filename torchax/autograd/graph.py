"""torchax.autograd.graph: the Node type of `grad_fn` objects."""

from torchax.autograd._graph import Node as Node  # noqa: F401
