"""What torch's autograd shows of an op that the op's JAX VJP cannot tell: its edges, its name, what it saves.

Each is data declared once per op name and turned, once per kernel key, into a small layout that
`_graph.record` applies to every node of that kernel:

* `next_functions`: torch keeps a `(None, 0)` edge for a Python scalar that its binding wraps into a
  tensor (`x * 2`, `torch.where(c, x, 0.0)`) and no edge for a non-differentiable mask or index
  (`where`'s condition, `gather`'s index);
* names of kernels that serve several torch overloads (`x ** w` is PowBackward1, `2 ** x` PowBackward2);
* the inputs torch saves for backward where the VJP keeps only a value derived from them (`sin` keeps
  `cos(x)`): an in-place change to such an input before backward raises, as in torch.
"""

from __future__ import annotations

import functools

import jax.numpy as jnp

from torchax import _registry

# ops whose torch binding wraps a Python scalar operand into a tensor (an edge `(None, 0)` in next_functions)
_SCALAR_EDGES = frozenset({"add", "_sub", "mul", "multiply", "div", "divide", "true_divide", "_where"})
_COMMUTATIVE = frozenset({"add", "mul", "multiply"})


def _pow_name(spec, tvals):
    return "PowBackward2" if spec[0] is not _registry._T else "PowBackward1" if spec[1] is _registry._T \
        else "PowBackward0"


def _clamp_name(spec, tvals):
    return "ClampBackward0" if len(tvals) > 1 else "ClampBackward1"  # tensor bounds / number bounds


def _matmul_name(spec, tvals):
    a, b = tvals[0].ndim, tvals[1].ndim
    if a == 1 and b == 1:
        return "DotBackward0"
    if a == 2 and b == 1:
        return "MvBackward0"
    if a == 2 and b == 2:
        return "MmBackward0"
    if a == 1 and b == 2:
        return "SqueezeBackward4"  # torch: unsqueeze, mm, squeeze
    return "CloneBackward0" if a == 2 else "UnsafeViewBackward0"  # the folded / batched forms


def _linear_graph(slots, tvals):
    """What torch shows of `F.linear`: aten::linear's decomposition into t, addmm/mm/mv and views around them,
    as (top node name, its edges); an edge is a tensor index, or (name, edges) for a node of the decomposition."""
    idx = {name: i[0] for _, name, _, i in slots if i}
    x, w, b = idx.get("input"), idx.get("weight"), idx.get("bias")
    if x is None or w is None:  # an operand that is not a tensor (a JAX array passed through interop): plain edges
        return ("MmBackward0" if b is None else "AddmmBackward0"), tuple(range(len(tvals)))
    nd, wt = tvals[x].ndim, ("TBackward0", (w,))
    if b is not None:  # addmm on the input flattened to 2-D, its result viewed back
        return ("AddmmBackward0", (b, x, wt)) if nd == 2 else \
            ("ViewBackward0", (("AddmmBackward0", (b, ("ViewBackward0", (x,)), wt)),))
    mm = "MmBackward0" if tvals[w].ndim == 2 else "MvBackward0"
    if nd == 2:
        return mm, (x, wt)
    if nd == 1:
        return ("DotBackward0", (x, wt)) if tvals[w].ndim == 1 else \
            ("SqueezeBackward4", ((mm, (("UnsqueezeBackward0", (x,)), wt)),))
    return "UnsafeViewBackward0", ((mm, (("ViewBackward0", (x,)), wt)),)


# op name -> fn(spec, tensor values) -> torch's grad_fn name, for kernels that serve several torch overloads
GRAD_NAMES = {"_pow": _pow_name, "clamp": _clamp_name, "clip": _clamp_name, "matmul": _matmul_name}
# op name -> fn(argument slots, tensor values) -> (name, edges): ops torch runs as a decomposition, whose grad_fn
# is the decomposition's last node and whose next_functions reach the inputs through the others
GRAPHS = {"linear": _linear_graph}

# op name -> {parameter: what torch saves when that parameter needs grad} (derivatives.yaml; "result": the output),
# where the VJP may keep only a value derived from them: an in-place change to one of them makes backward raise
_IN, _OUT, _IN_OUT = {"input": ("input",)}, {"input": ("result",)}, {"input": ("input", "result")}
_BOTH = {"input": ("input", "other"), "other": ("input", "other")}
SAVES = {
    **dict.fromkeys(("sin", "cos", "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "erf", "erfc",
                     "erfinv", "lgamma", "digamma", "abs", "absolute", "log", "log2", "log10", "log1p", "angle",
                     "softplus", "silu", "gelu", "mish", "logit", "sinc", "i0", "clamp", "clip", "clamp_min",
                     "clamp_max", "hardtanh", "hardsigmoid", "hardswish", "elu", "celu", "selu", "leaky_relu",
                     "log_sigmoid", "square", "nan_to_num", "_var"), _IN),
    **dict.fromkeys(("tan", "exp", "exp2", "expm1", "sqrt", "rsqrt", "reciprocal", "tanh", "sigmoid", "relu",
                     "softmax", "log_softmax"), _OUT),
    **dict.fromkeys(("sgn", "_std", "_prod", "_vector_norm", "logsumexp", "cumprod", "_max_all", "_min_all", "amax",
                     "amin"), _IN_OUT),
    **dict.fromkeys(("atan2", "xlogy", "maximum", "minimum", "fmax", "fmin"), _BOTH),
    "_pow": {"input": ("input", "exponent"), "exponent": ("input", "exponent", "result")},
    "hypot": {"input": ("input", "result"), "other": ("other", "result")},
}


def _arg_slots(opdef, key):
    """(parameter position, parameter name, spec entry, tensor indices) per argument given, in parameter order."""
    params = opdef.params
    slots, k = [], 0
    given = [(min(i, len(params) - 1), s) for i, s in enumerate(key[1])]
    given += [(params.index(n) if n in params else len(params), s) for n, s in key[2]]
    for pos, s in given:
        n = _registry._count_tensors([s])
        slots.append((pos, params[pos] if pos < len(params) else "", s, tuple(range(k, k + n))))
        k += n
    slots.sort(key=lambda x: x[0])
    return slots


_LAYOUTS: dict = {}


def layout(opdef, key):
    """How `next_functions` lists a kernel's edges: None when it is one edge per tensor input, in order; else
    entries `k` (tensor k), `~k` (tensor k, unless it is a non-differentiable mask or index) and None (a scalar);
    or, for an op in GRAPHS, a function of the tensor values giving (name, edges)."""
    try:
        return _LAYOUTS[key]
    except KeyError:
        pass
    graph = GRAPHS.get(opdef.name)
    if graph is not None:
        _LAYOUTS[key] = out = functools.partial(graph, _arg_slots(opdef, key))
        return out
    entries, tail = [], []
    scalar_edges = opdef.name in _SCALAR_EDGES
    for pos, name, s, idx in _arg_slots(opdef, key):
        if idx:
            entries.extend(k if name in opdef.promote else ~k for k in idx)
        elif scalar_edges and type(s) is _registry._Dyn and name in opdef.promote:
            if pos == 0 and opdef.name in _COMMUTATIVE:
                tail.append(None)  # `2 * x` is x.__rmul__(2): torch shows the scalar second
            elif pos > 0 or opdef.name == "_where":
                entries.append(None)  # (`2 - x`, `2 / x` are other nodes in torch, with no scalar edge)
    entries += tail
    n = _registry._count_tensors(key[1]) + _registry._count_tensors([s for _, s in key[2]])
    plain = entries == list(range(n)) or entries == [~0] and n == 1  # a single input needs grad: an edge
    _LAYOUTS[key] = out = None if plain else tuple(entries)
    return out


def shown(lay, tvals):
    """The edges torch shows (indices into the tensor inputs, None for a wrapped scalar) for these inputs."""
    out = []
    for e in lay:
        if e is None or e >= 0:
            out.append(e)
        elif _inexact(tvals[~e].dtype):  # a float tensor: an edge; a mask or an index: none
            out.append(~e)
    return tuple(out)


@functools.cache
def _inexact(dtype) -> bool:
    return jnp.issubdtype(dtype, jnp.inexact)


_SAVED_POS: dict = {}


def saved_inputs(opdef, key, mask):
    """(tensor indices of the inputs torch saves, whether it saves the result) for a kernel, from SAVES."""
    try:
        return _SAVED_POS[(key, mask)]
    except KeyError:
        pass
    saves = SAVES.get(opdef.name)
    ins, result = set(), False
    if saves:
        slots = _arg_slots(opdef, key)
        for _, name, _, idx in slots:
            if name in saves and any(mask[k] for k in idx):  # this parameter needs grad: what its formula keeps
                result = result or "result" in saves[name]
                ins.update(k for _, n, _, i in slots if n in saves[name] for k in i)
    _SAVED_POS[(key, mask)] = out = (tuple(sorted(ins)), result)
    return out
