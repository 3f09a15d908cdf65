"""torch.autograd.Function: user-defined forward/backward pairs on the tape."""

from __future__ import annotations

import functools
import warnings

import jax.numpy as jnp

from torchax import _dtype, _state
from torchax.autograd import _graph
from torchax.autograd.grad_mode import enable_grad, no_grad


class FunctionCtx:
    """The `ctx` passed to forward/backward (torch.autograd.function.FunctionCtx)."""

    def __init__(self):
        self.needs_input_grad = ()
        self._to_save = ()
        self._non_differentiable = set()
        self._dirty = set()
        self.materialize_grads = True
        self._released = False

    def save_for_backward(self, *tensors):
        self._to_save = tuple((t, t._storage.version) if t is not None else (None, 0) for t in tensors)

    def save_for_forward(self, *tensors):
        self.saved_for_forward = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self._released:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors after they "
                "have already been freed). Saved intermediate values of the graph are freed when you call "
                ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                "graph a second time or if you need to access saved tensors after calling backward.")
        for t, version in self._to_save:
            if t is not None and t._storage.version != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [{_graph._describe(t)}], is at version {t._storage.version}; expected version "
                    f"{version} instead.")
        return tuple(t for t, _ in self._to_save)

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors):
        self._dirty.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool):
        self.materialize_grads = bool(value)


class BackwardCFunction(_graph.Node, FunctionCtx):
    """The grad_fn of a Function's outputs, which is also the `ctx` its forward and backward get (as in torch)."""

    def __repr__(self):
        return f"<torch.autograd.function.{self._name} object at {hex(id(self))}>"

    def _apply(self, cts, create_graph):
        from torchax._tensor import Tensor, wrap

        grads_out = []
        for ct, (shape, dt, _) in zip(cts, self._out_meta):
            if ct is None:  # NOTE: outputs marked non-differentiable get zeros too (torch materializes all)
                grads_out.append(wrap(jnp.zeros(shape, dt)) if self.materialize_grads and dt is not None else None)
            else:
                grads_out.append(ct if isinstance(ct, Tensor) else wrap(ct))
        with enable_grad() if create_graph else no_grad():
            grads = self._cls.backward(self, *grads_out)
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) < self._n_args or any(g is not None for g in grads[self._n_args:]):
            raise RuntimeError(f"function {self._name} returned an incorrect number of gradients (expected "
                               f"{self._n_args}, got {len(grads)})")
        out = []
        for pos, e, (shape, dt) in zip(self._arg_pos, self._edges, self._in_meta):
            if e is None:
                continue
            g = grads[pos]
            if g is None:
                g = wrap(jnp.zeros(shape, dt))
            else:  # torch's validate_outputs: a broadcast gradient is summed back, a dtype cast to the input's
                if tuple(g.shape) != shape:
                    if not _expandable(shape, tuple(g.shape)):
                        raise RuntimeError(f"Function {self._name} returned an invalid gradient at index {pos} - "
                                           f"got {list(g.shape)} but expected shape compatible with {list(shape)}")
                    g = g.sum_to_size(shape)
                if g._value.dtype != dt:
                    g = g.to(_dtype.from_jax(dt))
            out.append(g if create_graph else g._value)
        return out


def _expandable(shape, target) -> bool:
    """at::is_expandable_to: `shape` broadcasts to `target`."""
    return len(shape) <= len(target) and all(a in (1, b) for a, b in zip(shape[::-1], target[::-1]))


class _FunctionMeta(type):
    def __init__(cls, name, bases, ns):
        super().__init__(name, bases, ns)
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"__module__": "torch.autograd.function"})


class Function(metaclass=_FunctionMeta):
    """torch.autograd.Function: subclass with static `forward(ctx, ...)` and `backward(ctx, *grads)`."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    def __init__(self, *args, **kwargs):
        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd functions are all static, so "
                      "you should invoke them on the class itself. Instantiating an autograd function will raise an "
                      "error in a future version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. Please use "
                           "new-style autograd function with static forward method. (Example: "
                           "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @classmethod
    def apply(cls, *args, **kwargs):
        from torchax._tensor import Tensor

        ctx = object.__new__(cls._backward_cls)  # becomes the grad_fn of the outputs (torch's ctx is its node)
        FunctionCtx.__init__(ctx)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        new_style = cls.setup_context is not Function.setup_context
        with no_grad():
            if new_style:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        tensor_inputs = [a for a in args if isinstance(a, Tensor)]
        if not (_state.is_grad_enabled() and any(t.requires_grad for t in tensor_inputs)):
            return output
        outs = output if isinstance(output, tuple) else (output,)
        edges = tuple(_graph.edge(a) if a.requires_grad else None for a in tensor_inputs)
        meta = tuple((tuple(o.shape), o._value.dtype, id(o) not in ctx._non_differentiable
                      and (o.is_floating_point() or o.is_complex())) if isinstance(o, Tensor)
                     else ((), None, False)
                     for o in outs)
        node = ctx
        _graph.Node.__init__(node, cls._backward_cls.__name__, None, edges, meta, multi=True)
        node._cls, node._n_args = cls, len(args)
        node._arg_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        node._in_meta = [(tuple(a.shape), a._value.dtype) for a in tensor_inputs]
        result = []
        for i, o in enumerate(outs):
            if isinstance(o, Tensor):
                if any(o is a for a in tensor_inputs) and id(o) not in ctx._dirty:
                    o = o.view_as(o)  # an input returned as is becomes a new (view) output, as in torch
                if meta[i][2]:
                    o._requires_grad, o.grad_fn, o._out_idx = True, node, i
            result.append(o)
        return tuple(result) if isinstance(output, tuple) else result[0]


def once_differentiable(fn):
    """torch.autograd.function.once_differentiable: run backward without recording it."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)

    return wrapper
