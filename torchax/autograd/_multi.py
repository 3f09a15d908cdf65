"""Multi-output nodes: the views `unbind`/`split` make of one input are the outputs of one grad_fn, as in torch."""

from __future__ import annotations

import functools

from torchax.autograd._graph import Node, _add


def merge_outputs(outs, name) -> bool:
    """Make the one-input nodes of `outs` (all fed by the same edge) the parts of one multi-output node."""
    parts = [t.grad_fn for t in outs]
    if any(p is None or type(p)._apply is not Node._apply or len(p._edges) != 1 for p in parts):
        return False
    if any(p._edges[0] != parts[0]._edges[0] for p in parts) or len({id(p) for p in parts}) != len(parts):
        return False
    node = _MultiNode(name, parts)
    for i, t in enumerate(outs):
        t.grad_fn, t._out_idx = node, i
    return True


class _MultiNode(Node):
    """One node for several single-output parts of the same input (UnbindBackward0, SplitBackward0)."""

    __slots__ = ("_parts",)
    _jax_cts = True

    def __new__(cls, name, parts):
        return object.__new__(_multi_class(name))

    def __init__(self, name, parts):
        super().__init__(name, None, parts[0]._edges, tuple(p._out_meta[0] for p in parts), multi=True)
        self._parts = parts
        self._view_v = parts[0]._view_v

    def _apply(self, cts, create_graph):
        total = None
        for p, ct in zip(self._parts, cts):
            if ct is not None:
                total = _add(total, p._apply([ct], create_graph)[0])
        return [total]

    def _release(self):
        for p in self._parts:
            p._release()
        self._released = True


@functools.cache
def _multi_class(name: str) -> type:
    return type(name, (_MultiNode,), {"__slots__": (), "__module__": "torch.autograd.graph"})
