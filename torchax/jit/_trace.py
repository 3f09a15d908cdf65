"""Record a module or function of Tensors as a JAX program: the engine of torchax.jit and torchax.onnx."""

from __future__ import annotations

import contextlib

import jax
import jax.numpy as jnp

from torchax._tensor import Tensor, wrap

_TRACING = [0]  # depth of torchax.jit.trace / onnx.export recordings in progress (torch.jit.is_tracing)


def is_tracing() -> bool:
    """torch.jit.is_tracing: True while torchax.jit.trace or torchax.onnx.export records a program."""
    return _TRACING[0] > 0


@contextlib.contextmanager
def _recording():
    _TRACING[0] += 1
    try:
        yield
    finally:
        _TRACING[0] -= 1


def _is_tensor(x) -> bool:
    return isinstance(x, Tensor)


def _to_arrays(tree):
    return jax.tree.map(lambda x: x._value if _is_tensor(x) else x, tree, is_leaf=_is_tensor)


def _to_tensors(tree):
    return jax.tree.map(lambda x: wrap(x) if isinstance(x, jax.Array) else x, tree)


def state_arrays(obj) -> dict:
    """The parameters and persistent buffers of a Module as {state_dict name: jax.Array} ({} for a function)."""
    from torchax.nn.modules.module import Module

    if not isinstance(obj, Module):
        return {}
    return {k: v._value for k, v in obj.state_dict(keep_vars=True).items()}


def pure_function(obj):
    """`fn(params, *args)`: `obj` (a Module or a function of Tensors) as a pure function of jax arrays.

    It runs under no_grad (JAX differentiates the recorded program) with the module's state swapped for `params`.
    """
    from torchax.autograd.grad_mode import no_grad
    from torchax.interop import _swapped
    from torchax.nn.modules.module import Module

    def fn(params, *args):
        with _recording(), no_grad():
            if isinstance(obj, Module):
                with _swapped(obj, params):
                    out = obj(*_to_tensors(args))
            else:
                out = obj(*_to_tensors(args))
        return _to_arrays(out)

    return fn


def example_arrays(example_inputs) -> tuple:
    """torch.jit.trace's `example_inputs` (a Tensor or a tuple of them) as a tuple of jax arrays."""
    if _is_tensor(example_inputs):
        example_inputs = (example_inputs,)
    if not isinstance(example_inputs, (tuple, list)):
        raise TypeError(f"example_inputs must be a Tensor or a tuple of Tensors, got {type(example_inputs).__name__}")
    return tuple(_to_arrays(tuple(example_inputs)))


def _specs(params: dict, args: tuple, batch: bool):
    """ShapeDtypeStructs for export; with `batch`, args whose leading size is the first arg's get one symbolic dim."""
    p = {k: jax.ShapeDtypeStruct(v.shape, v.dtype) for k, v in params.items()}
    shapes = jax.tree.map(lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype), args)
    leaves, tree = jax.tree.flatten(shapes)
    lead = leaves[0].shape[0] if leaves and leaves[0].shape else None
    if batch and lead is not None:
        (b,) = jax.export.symbolic_shape("batch")
        leaves = [jax.ShapeDtypeStruct((b, *s.shape[1:]), s.dtype) if s.shape and s.shape[0] == lead else s
                  for s in leaves]
    return p, jax.tree.unflatten(tree, leaves)


def export(obj, args: tuple, params: dict | None = None) -> jax.export.Exported:
    """Record `obj` on example `args` as a jax.export program `f(params, *args)`.

    The leading (batch) dimension is symbolic when the program allows it, as torch.jit.trace's graphs accept
    other batch sizes; otherwise every shape is the example's.
    """
    params = state_arrays(obj) if params is None else params
    fn = jax.jit(pure_function(obj))
    p, a = _specs(params, args, batch=True)
    try:
        return jax.export.export(fn)(p, *a)
    except Exception:  # NOTE: the program depends on the batch size (a reshape to a constant, a size test...)
        p, a = _specs(params, args, batch=False)
        return jax.export.export(fn)(p, *a)


def matches(exported: jax.export.Exported, nparams: int, args: tuple) -> bool:
    """Whether arrays `args` fit the (possibly symbolic) shapes and dtypes of `exported`'s inputs after the state."""
    leaves = jax.tree.leaves(args)
    avals = exported.in_avals[nparams:]
    if len(avals) != len(leaves):
        return False
    for x, aval in zip(leaves, avals):
        shape = jnp.shape(x)
        if jnp.result_type(x) != aval.dtype or len(shape) != len(aval.shape):
            return False
        if any(isinstance(d, int) and d != s for d, s in zip(aval.shape, shape)):
            return False
    return True
