"""torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp — on JAX's own transforms.

`func` (Tensors -> Tensors) is traced as a JAX function; the transform runs as one recorded op of
the inputs, so `create_graph=True` results are differentiable again through the tape.
"""

from __future__ import annotations

import jax

from torchax.autograd import _graph
from torchax.autograd.grad_mode import no_grad


def _tensors(x, what="inputs", fn="jacobian"):
    from torchax._tensor import Tensor

    if isinstance(x, list):
        raise TypeError(f"The {what} given to {fn} must be either a Tensor or a tuple of Tensors but the given "
                        f"{what} has type {type(x)}.")
    is_tuple = isinstance(x, tuple)
    xs = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            raise TypeError(f"The inputs given to jacobian must be either a Tensor or a tuple of Tensors but the "
                            f"value at index {i} has type {type(t)}.")
    return is_tuple, xs


def _jax_fn(func):
    """func on Tensors -> a JAX function on arrays (returns (arrays tuple, was_tuple))."""
    from torchax._tensor import Tensor, wrap

    info = {}

    def f(*arrays):
        with no_grad():
            out = func(*(wrap(a) for a in arrays))
        info["tuple"] = isinstance(out, tuple)
        outs = out if isinstance(out, tuple) else (out,)
        for o in outs:
            if not isinstance(o, Tensor):
                raise TypeError("The outputs of the user-provided function given to jacobian must be either a "
                                "Tensor or a tuple of Tensors")
        return tuple(o._value for o in outs)

    return f, info


def _run(name, transform, inputs, create_graph, extra=()):
    """Apply `transform(*input_values, *extra_values)` as one op of the inputs (recorded if create_graph)."""
    ins = list(inputs) + list(extra)
    if create_graph:
        out, _ = _graph.custom(name, transform, ins)
        return out
    with no_grad():
        out, _ = _graph.custom(name, transform, [t.detach() for t in ins])
    return out


def _unflatten_jac(jac, out_tuple, in_tuple):
    rows = [tuple(row) if in_tuple else row[0] for row in jac]
    return tuple(rows) if out_tuple else rows[0]


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """torch.autograd.functional.jacobian (forward-mode nests its result in lists, as torch's does)."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                             'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if strict:
            raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` are '
                               'not supported together (yet). Please either set `strict=False` or '
                               '`strategy="reverse-mode"`.')
        if not vectorize:
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                                      "only implemented for `vectorize=True`.")
    in_tuple, xs = _tensors(inputs)
    if strategy == "reverse-mode" and (create_graph or strict):
        # NOTE: torch's own algorithm on the tape, one backward per output element: results are differentiable
        # with respect to tensors `func` closes over, and strict mode sees which outputs depend on which inputs
        return _tape_jacobian(func, xs, in_tuple, create_graph, strict)
    f, info = _jax_fn(func)
    n = len(xs)
    jac_t = jax.jacrev if strategy == "reverse-mode" else jax.jacfwd

    def transform(*vals):
        jac = jac_t(f, argnums=tuple(range(n)))(*vals)  # [out][in]
        return tuple(j for row in jac for j in row)

    flat = _run("JacobianBackward", transform, xs, create_graph)
    flat = flat if isinstance(flat, tuple) else (flat,)
    n_out = len(flat) // n
    rows = [flat[i * n:(i + 1) * n] for i in range(n_out)]
    jac = _unflatten_jac(rows, info["tuple"], in_tuple)
    return _as_lists(jac) if strategy == "forward-mode" else jac


def _as_lists(r):
    return [_as_lists(v) for v in r] if isinstance(r, tuple) else r


def _tape_jacobian(func, xs, in_tuple, create_graph, strict):
    from torchax import autograd
    from torchax._ops.creation import zeros
    from torchax._ops.shape import stack
    from torchax._tensor import Tensor
    from torchax.autograd.grad_mode import enable_grad

    with enable_grad():
        ins = tuple(x.view_as(x) if create_graph and x.requires_grad else x.detach().requires_grad_() for x in xs)
        out = func(*ins)
    out_tuple = isinstance(out, tuple)
    outs = out if out_tuple else (out,)
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError("The outputs of the user-provided function given to jacobian must be either a Tensor or "
                            "a tuple of Tensors")
    rows = []
    for i, o in enumerate(outs):
        if strict and not o.requires_grad:
            raise RuntimeError(f"Output {i} of the user-provided function does not require gradients. The outputs "
                               "must be computed in a differentiable manner from the input when running in strict "
                               "mode.")
        per_in = [[] for _ in ins]
        flat = o.reshape(-1)
        for k in range(flat.numel()):
            grads = autograd.grad(flat[k], ins, retain_graph=True, create_graph=create_graph,
                                  allow_unused=True) if o.requires_grad else (None,) * len(ins)
            for j, (g, x) in enumerate(zip(grads, ins)):
                if g is None and strict:
                    raise RuntimeError(f"Output {i} of the user-provided function is independent of input {j}. This "
                                       "is not allowed in strict mode.")
                if strict and create_graph and not g.requires_grad:
                    raise RuntimeError(f"The jacobian of the user-provided function is independent of input {j}. "
                                       "This is not allowed in strict mode when create_graph=True.")
                per_in[j].append(zeros(x.shape, dtype=x.dtype) if g is None else g)
        row = []
        for j, x in enumerate(ins):
            jac = stack(per_in[j]).reshape(tuple(o.shape) + tuple(x.shape)) if per_in[j] else \
                zeros(tuple(o.shape) + tuple(x.shape), dtype=x.dtype)
            row.append(jac if create_graph else jac.detach())
        rows.append(tuple(row))
    return _unflatten_jac(rows, out_tuple, in_tuple)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """torch.autograd.functional.hessian: func must return a single-element tensor."""
    in_tuple, xs = _tensors(inputs)
    f, _ = _jax_fn(func)
    n = len(xs)

    def scalar(*vals):
        out = f(*vals)
        if len(out) != 1 or out[0].size != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor with a single element")
        return out[0].reshape(())

    def transform(*vals):
        h = jax.hessian(scalar, argnums=tuple(range(n)))(*vals)
        return tuple(h[i][j] for i in range(n) for j in range(n))

    flat = _run("HessianBackward", transform, xs, create_graph)
    flat = flat if isinstance(flat, tuple) else (flat,)
    rows = [tuple(flat[i * n:(i + 1) * n]) for i in range(n)]
    return tuple(rows) if in_tuple else rows[0][0]


def _outputs(f, xs, create_graph):
    out = _run("FuncBackward", lambda *v: f(*v), xs, create_graph)
    return out if isinstance(out, tuple) else (out,)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """torch.autograd.functional.vjp: (func(inputs), v^T J)."""
    in_tuple, xs = _tensors(inputs)
    f, info = _jax_fn(func)
    n = len(xs)
    outs = _outputs(f, xs, create_graph)
    if v is None:
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function returns a single Tensor "
                               "with a single element.")
        from torchax._ops.creation import ones_like

        vs = (ones_like(outs[0]),)
    else:
        vs = _tensors(v)[1]

    def transform(*vals):
        _, pullback = jax.vjp(f, *vals[:n])
        return tuple(pullback(tuple(vals[n:])))

    res = _run("VjpBackward", transform, xs, create_graph, extra=vs)
    res = res if isinstance(res, tuple) else (res,)
    return (outs if info["tuple"] else outs[0]), (res if in_tuple else res[0])


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """torch.autograd.functional.jvp: (func(inputs), J v)."""
    in_tuple, xs = _tensors(inputs)
    f, info = _jax_fn(func)
    n = len(xs)
    if v is None:
        if len(xs) != 1 or xs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a single "
                               "Tensor with a single element.")
        from torchax._ops.creation import ones_like

        vs = (ones_like(xs[0]),)
    else:
        vs = _tensors(v)[1]

    def transform(*vals):
        out, tangent = jax.jvp(f, tuple(vals[:n]), tuple(vals[n:]))
        return tuple(out) + tuple(tangent)

    res = _run("JvpBackward", transform, xs, create_graph, extra=vs)
    res = res if isinstance(res, tuple) else (res,)
    k = len(res) // 2
    outs, tans = res[:k], res[k:]
    return (outs if info["tuple"] else outs[0]), (tans if info["tuple"] else tans[0])


def _hvp(name, func, inputs, v, create_graph):
    in_tuple, xs = _tensors(inputs)
    f, _ = _jax_fn(func)
    n = len(xs)
    vs = _tensors(v)[1]

    def scalar(*vals):
        out = f(*vals)
        if len(out) != 1 or out[0].size != 1:
            raise RuntimeError(f"The function given to {name} should return a single Tensor with a single element")
        return out[0].reshape(())

    def transform(*vals):
        out, tangent = jax.jvp(jax.grad(scalar, argnums=tuple(range(n))), tuple(vals[:n]), tuple(vals[n:]))
        return (scalar(*vals[:n]),) + tuple(tangent)

    res = _run(name, transform, xs, create_graph, extra=vs)
    return res[0], (tuple(res[1:]) if in_tuple else res[1])


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """torch.autograd.functional.hvp: (func(inputs), H v)."""
    return _hvp("hvp", func, inputs, v, create_graph)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """torch.autograd.functional.vhp: (func(inputs), v^T H) — equal to H v for the symmetric Hessian."""
    return _hvp("vhp", func, inputs, v, create_graph)
