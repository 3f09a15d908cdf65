"""torchax.autograd: backward, grad, grad modes, and the graph (see `_graph.py`)."""

from __future__ import annotations

from torchax.autograd import function as function, functional as functional, graph as graph
from torchax.autograd._graph import Node as Node
from torchax.autograd.anomaly_mode import detect_anomaly as detect_anomaly, set_detect_anomaly as set_detect_anomaly
from torchax.autograd.function import Function as Function, FunctionCtx as FunctionCtx
from torchax.autograd.grad_mode import (
    enable_grad as enable_grad,
    inference_mode as inference_mode,
    is_grad_enabled as is_grad_enabled,
    no_grad as no_grad,
    set_grad_enabled as set_grad_enabled,
)


def _as_list(x):
    if x is None:
        return None
    from torchax._tensor import Tensor

    return [x] if isinstance(x, Tensor) else list(x)


def _root_grads(outputs, grad_outputs, create_graph):
    import jax.numpy as jnp

    from torchax._tensor import Tensor
    from torchax.autograd import _graph

    grads = []
    for i, t in enumerate(outputs):
        g = None if grad_outputs is None else grad_outputs[i]
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if t.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if t.is_complex():
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {t.dtype}")
            g = jnp.ones(t._value.shape, t._value.dtype)
        elif isinstance(g, Tensor):
            if tuple(g.shape) != tuple(t.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] has "
                                   f"a shape of {t.shape}.")
            g = g if create_graph and g.requires_grad else g._value
        else:
            g = jnp.full(t._value.shape, g, t._value.dtype)
        grads.append(_graph._conj(g))  # a complex seed in torch's convention, the engine's is its conjugate
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """torch.autograd.backward: accumulate gradients of `tensors` into the leaves' `.grad`."""
    from torchax.autograd import _graph

    tensors = _as_list(tensors)
    grads = _root_grads(tensors, _as_list(grad_tensors), create_graph)
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        _graph.run_backward(tensors, grads, retain, create_graph)
        return
    inputs = _as_list(inputs)
    got = _graph.run_backward(tensors, grads, retain, create_graph, inputs=inputs, accumulate=False)
    for t, g in zip(inputs, got):
        if g is not None:
            _graph._accumulate(t, g, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """torch.autograd.grad: the gradients of `outputs` with respect to `inputs` (no `.grad` is touched)."""
    from torchax.autograd import _graph

    outputs, inputs = _as_list(outputs), _as_list(inputs)
    if any(not t.requires_grad for t in inputs):
        raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _root_grads(outputs, _as_list(grad_outputs), create_graph)
    retain = create_graph if retain_graph is None else retain_graph
    got = _graph.run_backward(outputs, grads, retain, create_graph, inputs=inputs, accumulate=False)
    allow_unused = allow_unused or materialize_grads
    result = []
    for t, g in zip(inputs, got):
        if g is None:
            if not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph. "
                                   "Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                from torchax._ops.creation import zeros_like

                g = zeros_like(t, requires_grad=create_graph)  # torch: a differentiable zero leaf
        else:
            g = _graph._conj(g)  # torch's convention for complex inputs
            if not create_graph:
                g = g.detach()
        result.append(g)
    return tuple(result)


class Variable:
    """torch.autograd.Variable (legacy): `Variable(t, requires_grad=...)` returns a Tensor."""

    def __new__(cls, data, requires_grad=False, volatile=False):
        t = data.detach()
        return t.requires_grad_(requires_grad) if requires_grad else t


from torchax.autograd import profiler as profiler  # noqa: E402
