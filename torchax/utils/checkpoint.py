"""torch.utils.checkpoint: run a segment without keeping its activations; recompute it in backward."""

from __future__ import annotations

import warnings

from torchax import _state
from torchax.autograd import _graph
from torchax.autograd.grad_mode import enable_grad, no_grad


class CheckpointFunctionBackward(_graph.Node):
    """Recomputes the checkpointed function with grad enabled and back-propagates through it."""

    __slots__ = ("_function", "_args", "_kwargs", "_tensor_pos")

    def _apply(self, cts, create_graph):
        from torchax import autograd
        from torchax._tensor import Tensor, wrap

        if _state._local.capturing:
            raise RuntimeError("When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() or "
                               "passing an `inputs` parameter to .backward(). To resolve this error, you can either "
                               "set use_reentrant=False, or call .backward() without passing the `inputs` argument.")
        if self._released:
            raise RuntimeError("Trying to backward through the graph a second time (or directly access saved "
                               "tensors after they have already been freed). Specify retain_graph=True if you need "
                               "to backward through the graph a second time.")
        args = list(self._args)
        inputs = []
        fenced = _fence([args[i] for i in self._tensor_pos], cts)
        for i, v in zip(self._tensor_pos, fenced):
            t = (args[i].detach() if v is None else wrap(v)).requires_grad_(args[i].requires_grad)
            args[i] = t
            inputs.append(t)
        with enable_grad():
            out = self._function(*args, **self._kwargs)
        outs = out if isinstance(out, tuple) else (out,)
        roots, grads = [], []
        for o, ct in zip(outs, cts):
            if isinstance(o, Tensor) and o.requires_grad and ct is not None:
                roots.append(o)
                grads.append(ct if isinstance(ct, Tensor) else wrap(ct))
        if roots:
            autograd.backward(roots, grads, create_graph=create_graph, inputs=None)
        result = []
        for t, e in zip(inputs, self._edges):
            if e is None:
                continue
            g = t.grad
            if g is None:
                from torchax._ops.creation import zeros_like

                g = zeros_like(t)
            result.append(g if create_graph else g._value)
        return result


def _fence(tensors, cts) -> list:
    """Inside compiled code, tie the recomputation's inputs to the incoming gradients with an optimization
    barrier (what jax.checkpoint does): XLA cannot merge the recomputed forward with the original one or
    hoist it before backward starts, so the activations really are not kept. Eagerly: nothing to do."""
    from torchax._compile_hooks import is_compiling

    if not is_compiling():
        return [None] * len(tensors)
    import jax

    cts = [c._value if hasattr(c, "_value") else c for c in cts if c is not None]
    fenced, _ = jax.lax.optimization_barrier(([t._value for t in tensors], cts))
    return fenced


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               early_stop=True, **kwargs):
    """torch.utils.checkpoint.checkpoint: the same values and gradients, without stored activations.

    The reentrant variant (torch's default) runs `function` without recording and recomputes it in
    backward (grad_fn CheckpointFunctionBackward).
    """
    from torchax._tensor import Tensor

    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in PyTorch "
            "2.9, calling checkpoint without use_reentrant will raise an exception. use_reentrant=False is "
            "recommended, but if you need to preserve the current default behavior, you can pass "
            "use_reentrant=True. Refer to docs for more details on the differences between the two variants.",
            UserWarning, stacklevel=2)
    use_reentrant = True if use_reentrant is None else use_reentrant
    if not use_reentrant:
        # NOTE: the non-reentrant variant records the real graph (torch's grad_fn names, autograd.grad and
        # inputs= work); in eager mode its activations are kept (see KNOWN_DIFFERENCES).
        return function(*args, **kwargs)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    tensors = [args[i] for i in pos]
    with no_grad():
        out = function(*args, **kwargs)
    if not _state.is_grad_enabled():
        return out
    if not any(t.requires_grad for t in tensors):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", UserWarning,
                      stacklevel=2)
        return out
    outs = out if isinstance(out, tuple) else (out,)
    meta = tuple((tuple(o.shape), o._value.dtype, o.is_floating_point()) if isinstance(o, Tensor)
                 else ((), None, False) for o in outs)
    edges = tuple(_graph.edge(t) if t.requires_grad else None for t in tensors)
    node = CheckpointFunctionBackward("CheckpointFunctionBackward", None, edges, meta, multi=True)
    node._function, node._args, node._kwargs, node._tensor_pos = function, args, kwargs, pos
    result = []
    for i, o in enumerate(outs):
        if isinstance(o, Tensor) and meta[i][2]:
            o._requires_grad, o.grad_fn, o._out_idx = True, node, i
        result.append(o)
    return tuple(result) if isinstance(out, tuple) else result[0]


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """torch.utils.checkpoint.checkpoint_sequential: checkpoint all but the last of `segments` chunks."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed "
            "explicitly. In version 2.9 we will raise an exception if use_reentrant is not passed. "
            "use_reentrant=False is recommended, but if you need to preserve the current default behavior, you "
            "can pass use_reentrant=True. Refer to docs for more details on the differences between the two "
            "variants.", UserWarning, stacklevel=2)
        use_reentrant = True
    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())
    size = len(functions) // segments
    end = -1

    def run(start, stop, fns):
        def forward(x):
            for j in range(start, stop + 1):
                x = fns[j](x)
            return x

        return forward

    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end, functions), input, use_reentrant=use_reentrant, **kwargs)
    return run(end + 1, len(functions) - 1, functions)(input)
