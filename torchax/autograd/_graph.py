"""The autograd tape: Nodes built as ops run, and the engine that walks them backwards.

An op that runs with grad enabled on inputs that require grad calls a cached `jax.jit` of
`jax.vjp(op)`, which returns the outputs and the VJP closure (a pytree of residuals). The Node keeps
that closure and edges `(node, output_index)` to its inputs' producers (`AccumulateGrad` for leaves).
`backward` sorts the Nodes reachable from the roots topologically, applies each VJP through another
cached jit, and sums cotangents per (node, output). With `create_graph=True` a VJP is applied as an
op of its own — a function of the op's original inputs and the cotangents — so it is recorded too.
"""

from __future__ import annotations

import functools
import re
import traceback
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from torchax import _registry, _state
from torchax._compile_hooks import note_backward
from torchax.autograd import _opdata


class Node:
    """A backward function (`grad_fn`): torch.autograd.graph.Node."""

    __slots__ = ("_name", "_vjp", "_edges", "_out_meta", "_multi", "_fwd", "_inputs", "_pre_hooks", "_hooks",
                 "_tensor_hooks", "_retained", "_released", "_saved", "_stack", "_shown", "_shown_nodes", "_view_v",
                 "metadata", "__weakref__")
    # NOTE: cotangents flow in JAX's convention (for a complex value: the conjugate of torch's gradient); a subclass
    # with its own Python backward (Function, checkpoint) gets and returns torch's convention instead.
    _jax_cts = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_apply" in cls.__dict__ and "_jax_cts" not in cls.__dict__:
            cls._jax_cts = False

    def __new__(cls, *args, **kwargs):
        # one subclass per name: `type(grad_fn).__name__` is torch's class name (AddBackward0, ...)
        return object.__new__(node_class(args[0]) if cls is Node and args else cls)

    def __init__(self, name, vjp, edges, out_meta, fwd=None, inputs=None, multi=False):
        self._name = name
        self._vjp = vjp  # the VJP closure from jax.vjp (residuals inside)
        self._edges = edges  # per tensor input: (node, index) or None when it needs no grad
        self._out_meta = out_meta  # per output: (shape, jnp dtype, differentiable)
        self._multi = multi  # the op returned a tuple (its VJP takes a tuple of cotangents)
        self._fwd = fwd  # function of the differentiable input values (for create_graph)
        self._inputs = inputs  # the differentiable input Tensors (for create_graph)
        self._pre_hooks = []
        self._hooks = []
        self._tensor_hooks = None  # {output index: [hook]}: Tensor.register_hook on non-leaves
        self._retained = None  # {output index: weakref to Tensor}: Tensor.retain_grad
        self._released = False
        self._saved = ()  # (tensor, version, input position or -1 for outputs) of tensors torch saves
        self._stack = None  # the forward call's stack, under detect_anomaly
        self._shown = None  # next_functions layout when it is not one edge per tensor input (see _opdata.py)
        self._shown_nodes = None  # (edges, the edges shown): built once per edge set, the same objects each read
        self._view_v = None  # a view op's node: the storage version its output was derived at
        self.metadata = {}

    def name(self) -> str:
        return self._name

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    @property
    def next_functions(self) -> tuple:
        edges = self._edges
        if self._shown is not None:  # torch's edges: (None, 0) for wrapped Python scalars, none for masks/indices
            if self._shown_nodes is None or self._shown_nodes[0] is not edges:
                self._shown_nodes = (edges, tuple(_shown_edge(e, edges) for e in self._shown))
            edges = self._shown_nodes[1]
        return tuple(e if e is not None else (None, 0) for e in edges)

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) -> new grad_inputs or None, after this node runs."""
        self._hooks.append(fn)
        return _Handle(self._hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) -> new grad_outputs or None, before this node runs."""
        self._pre_hooks.append(fn)
        return _Handle(self._pre_hooks, fn)

    def _inplace_saved(self, target):
        """The op ran in place on `target`: torch saves a copy of the original `self` (input 0) where it needs it,
        and its saved result is `target` as of after the write."""
        saved = []
        for t, v, pos in self._saved:
            if pos == -1:
                saved.append((target, target._storage.version, pos))
            elif pos != 0:
                saved.append((t, v, pos))
        self._saved = tuple(saved)

    def _check_saved(self):
        for t, version, _ in self._saved:
            if t._storage.version != version:
                producer = t.grad_fn.name() if t.grad_fn is not None else "AccumulateGrad"
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [{_describe(t)}], which is output {t._out_idx} of {producer}, is at version "
                    f"{t._storage.version}; "
                    f"expected version {version} instead. Hint: enable anomaly detection to find the operation "
                    "that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, "
                    "check_nan=False)."
                )

    def _apply(self, cts: list, create_graph: bool) -> list:
        """Gradients for each differentiable input, given a cotangent (or None) for each output."""
        self._check_saved()
        if self._released:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors after they "
                "have already been freed). Saved intermediate values of the graph are freed when you call "
                ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                "graph a second time or if you need to access saved tensors after calling backward."
            )
        full = []
        for ct, (shape, dt, diff) in zip(cts, self._out_meta):
            if not diff:
                full.append(np.zeros(shape, jax.dtypes.float0))
            elif ct is None:
                full.append(jnp.zeros(shape, dt))
            else:
                full.append(ct)
        ct = tuple(full) if self._multi else full[0]
        if create_graph and self._fwd is not None:
            return _differentiable_vjp(self, ct)
        return list(_apply_vjp(self._vjp, ct))

    def _release(self):
        if self._vjp is not None and not jax.tree.leaves(self._vjp):
            return  # nothing saved: torch lets such a graph run backward again
        self._vjp = None
        self._fwd = None
        self._inputs = None
        self._released = True


def _shown_edge(entry, edges):
    """One edge as torch shows it: an input's edge, or a node of the op's decomposition standing before inputs."""
    if entry is None or isinstance(entry, int):
        return None if entry is None else edges[entry]
    name, inner = entry
    inner = tuple(_shown_edge(e, edges) for e in inner)
    if all(e is None for e in inner):  # torch records no node on inputs that need no grad
        return None
    node = Node(name, None, inner, ())
    node._released = True  # shown only: gradients flow through the op's own node
    return (node, 0)


class AccumulateGrad(Node):
    """The sink of a leaf tensor: adds incoming gradients into `.grad`."""

    __slots__ = ("variable", "post_accumulate_hooks")

    def __init__(self, tensor):
        super().__init__("torch::autograd::AccumulateGrad", None, (), None)
        self.variable = tensor
        self.post_accumulate_hooks = []  # Tensor.register_post_accumulate_grad_hook

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"


class _Handle:
    """A removable hook handle (torch.utils.hooks.RemovableHandle)."""

    def __init__(self, hooks, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self):
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


@jax.jit
def _apply_vjp(vjp, ct):
    return vjp(ct)


def rename(out, name: str):
    """Give the grad_fn a composite just created torch's name for the composite (TransposeBackward0...).

    Several outputs of one input (unbind, split) become the outputs of one node, as in torch."""
    outs = out if isinstance(out, (tuple, list)) else (out,)
    if len(outs) > 1:
        from torchax.autograd._multi import merge_outputs

        if merge_outputs(outs, name):
            return out
    for t in outs:
        if t.grad_fn is not None:
            t.grad_fn._name = name
            t.grad_fn.__class__ = node_class(name)
    return out


def view_grad_fn(t):
    """The grad_fn of view `t` read after its storage changed: AsStridedBackward0 of its base's current grad_fn."""
    from torchax._views import read_fn
    from torchax.autograd.grad_mode import enable_grad

    base = t._base
    if base is None or not base._requires_grad:
        return t.__dict__.get("_grad_fn")
    with enable_grad():
        view, node = custom("AsStridedBackward0", read_fn(t._view), [base])
    node._view_v = t._storage.version
    t.grad_fn, t._out_idx = node, 0
    return node


@functools.cache
def node_class(name: str) -> type:
    """The Node subclass named `name` (torch's grad_fn classes are named after their backward)."""
    # (C++ nodes: name() is "torch::autograd::CopySlices", the Python class CopySlices)
    return type(name.rsplit("::", 1)[-1], (Node,), {"__slots__": (), "__module__": "torch.autograd.graph"})


def grad_name(opname: str) -> str:
    """torch's grad_fn name for an op: add -> AddBackward0, index_select -> IndexSelectBackward0."""
    return "".join(p.capitalize() for p in re.split(r"_+", opname.strip("_")) if p) + "Backward0"


# --- recording ------------------------------------------------------------------------------------

_VJP_KERNELS: dict = {}
_SAVED: dict = {}  # (key, mask) -> (saved input positions, saved output positions), learned at trace time


def _split_diff(tensors, tvals):
    mask = tuple(t._requires_grad for t in tensors)
    return mask, [v for v, m in zip(tvals, mask) if m], [v for v, m in zip(tvals, mask) if not m]


def _merge(mask, diff, rest):
    d, r = iter(diff), iter(rest)
    return [next(d) if m else next(r) for m in mask]


def _vjp_kernel(opdef, key, mask):
    k = _VJP_KERNELS.get((key, mask))
    if k is None:
        pure = _registry.RAW[key]

        def fwd(diff, rest, dyn):
            out, vjp = jax.vjp(lambda *d: pure(_merge(mask, d, rest), dyn), *diff)
            # NOTE: residuals that *are* an input or output tracer are what torch calls saved tensors; an
            # in-place change to one of them before backward must raise, as in torch.
            leaves = jax.tree.leaves(vjp)
            ins = _merge(mask, diff, rest)
            outs = out if isinstance(out, (tuple, list)) else [out]
            _SAVED[(key, mask)] = (tuple(i for i, x in enumerate(ins) if any(r is x for r in leaves)),
                                   tuple(i for i, x in enumerate(outs) if any(r is x for r in leaves)))
            return out, vjp

        k = _VJP_KERNELS[(key, mask)] = jax.jit(fwd) if opdef.jit else fwd
    return k


def edge(t):
    """The (node, output index) a gradient for tensor `t` flows into."""
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._out_idx)
    acc = t.__dict__.get("_acc")
    if acc is None:  # one AccumulateGrad per leaf, as in torch
        acc = t.__dict__["_acc"] = AccumulateGrad(t)
    return (acc, 0)


def _differentiable(dtype) -> bool:
    return jnp.issubdtype(dtype, jnp.inexact)


def record(opdef, key, tensors, tvals, dyn, wrap_outputs):
    """Run an op under autograd: returns the wrapped outputs with grad_fn set."""
    mask, diff, rest = _split_diff(tensors, tvals)
    out, vjp = _vjp_kernel(opdef, key, mask)(diff, rest, dyn)
    multi = isinstance(out, (tuple, list))
    outs = list(out) if multi else [out]
    meta = tuple((o.shape, o.dtype, _differentiable(o.dtype)) for o in outs)
    edges = tuple(edge(t) if m else None for t, m in zip(tensors, mask))
    pure = _registry.RAW[key]
    lay = _opdata.layout(opdef, key)
    if callable(lay):  # an op torch runs as a decomposition: its last node, and the others behind it
        name, shown = lay(tvals)
    else:
        shown = None if lay is None else _opdata.shown(lay, tvals)
        gn = _opdata.GRAD_NAMES.get(opdef.name)
        if gn is not None:
            name = gn(key[1], tvals)
        else:
            gn = opdef.grad_name
            name = gn(key[1]) if callable(gn) else gn or grad_name(opdef.name)
    node = Node(name, vjp, edges, meta,
                fwd=lambda *d: pure(_merge(mask, d, rest), dyn),
                inputs=[t for t, m in zip(tensors, mask) if m], multi=multi)
    node._shown = shown
    if opdef.view:
        node._view_v = tensors[0]._storage.version
    wrapped = wrap_outputs(out)
    wlist = wrapped if multi else [wrapped]
    for i, w in enumerate(wlist):
        if hasattr(w, "_requires_grad") and meta[i][2]:
            w._requires_grad = True
            w.grad_fn = node
            w._out_idx = i
    saved_in, saved_out = _SAVED.get((key, mask), ((), ()))
    torch_in, torch_out = _opdata.saved_inputs(opdef, key, mask)
    if saved_in or saved_out or torch_in or torch_out:
        # NOTE: inputs torch saves whose VJP may keep only a value derived from them (sin keeps cos(x)) count too
        saved = [(tensors[i], i) for i in saved_in] + [(wlist[i], -1) for i in saved_out]
        saved += [(tensors[i], i) for i in torch_in if i not in saved_in]
        if torch_out and not saved_out:
            saved += [(w, -1) for w in wlist if hasattr(w, "_storage")]
        node._saved = tuple((t, t._storage.version, pos) for t, pos in saved)
    if _state._local.anomaly:
        node._stack = traceback.format_stack()[:-3]
    return wrapped


def _describe(t) -> str:
    from torchax._casting import _LEGACY_NAMES

    return f"torch.{_LEGACY_NAMES.get(t.dtype, t.dtype.name)} [{', '.join(map(str, t.shape))}]"


def custom(name: str, fn, inputs: list, values=None):
    """Apply `fn` (a JAX function of the inputs' values) as a recorded op; returns JAX outputs and the node."""
    from torchax._tensor import wrap

    values = [t._value for t in inputs] if values is None else values
    need = _state.is_grad_enabled() and any(t._requires_grad for t in inputs)
    if not need:
        out = fn(*values)
        return (tuple(wrap(o) for o in out) if isinstance(out, (tuple, list)) else wrap(out)), None
    mask = tuple(t._requires_grad for t in inputs)
    diff = [v for v, m in zip(values, mask) if m]
    rest = [v for v, m in zip(values, mask) if not m]
    f = lambda *d: fn(*_merge(mask, d, rest))  # noqa: E731
    out, vjp = jax.vjp(f, *diff)
    multi = isinstance(out, (tuple, list))
    outs = list(out) if multi else [out]
    meta = tuple((o.shape, o.dtype, _differentiable(o.dtype)) for o in outs)
    node = Node(name, vjp, tuple(edge(t) if m else None for t, m in zip(inputs, mask)), meta, fwd=f,
                inputs=[t for t, m in zip(inputs, mask) if m], multi=multi)
    wrapped = [wrap(o) for o in outs]
    for i, w in enumerate(wrapped):
        if meta[i][2]:
            w._requires_grad, w.grad_fn, w._out_idx = True, node, i
    return (tuple(wrapped) if multi else wrapped[0]), node


def _differentiable_vjp(node: Node, ct):
    """Apply a node's VJP as a recorded op of (its inputs, the cotangents), for create_graph=True."""
    from torchax._tensor import Tensor, wrap

    cts = list(ct) if isinstance(ct, tuple) else [ct]
    ct_tensors = [c if isinstance(c, Tensor) else wrap(c) for c in cts]
    n_in = len(node._inputs)
    fwd = node._fwd
    multi = isinstance(ct, tuple)

    def bwd(*vals):
        primals, c = vals[:n_in], vals[n_in:]
        _, vjp = jax.vjp(fwd, *primals)
        return tuple(vjp(tuple(c) if multi else c[0]))

    float0 = [i for i, c in enumerate(ct_tensors) if c._value.dtype == jax.dtypes.float0]
    if float0:  # integer outputs: their (float0) cotangents are constants, not recorded
        consts = {i: ct_tensors[i]._value for i in float0}
        keep = [i for i in range(len(ct_tensors)) if i not in consts]

        def bwd(*vals, _keep=keep, _consts=consts):  # noqa: F811
            primals, c = vals[:n_in], list(vals[n_in:])
            full = [None] * (len(_keep) + len(_consts))
            for i, v in zip(_keep, c):
                full[i] = v
            for i, v in _consts.items():
                full[i] = v
            _, vjp = jax.vjp(fwd, *primals)
            return tuple(vjp(tuple(full) if multi else full[0]))

        ct_tensors = [ct_tensors[i] for i in keep]
    inputs = list(node._inputs) + ct_tensors
    deps = _dependencies(bwd, [t._value for t in inputs])
    # Like torch, the recorded backward is an op of only what each gradient is computed from: the gradient
    # of `x * 2` is `ct * 2`, a constant when `ct` is, so it must not require grad.
    used = [any(d[i] for d in deps) for i in range(len(inputs))]
    if not all(used):
        vals = [t._value for t in inputs]
        full = bwd
        bwd = lambda *u: full(*_merge(used, u, [v for v, k in zip(vals, used) if not k]))  # noqa: E731
        inputs = [t for t, k in zip(inputs, used) if k]
    out, _ = custom(node._name, bwd, inputs)
    out = list(out)
    for o, d in zip(out, deps):
        if o.grad_fn is not None and not any(t._requires_grad for t, k in zip(node._inputs + ct_tensors, d) if k):
            o._requires_grad, o.grad_fn = False, None
    return out


def _dependencies(fn, vals) -> list:
    """For each output of `fn(*vals)`, which inputs it is computed from (dead-code elimination of its jaxpr)."""
    from jax._src.interpreters import partial_eval as pe  # NOTE: the DCE JAX itself uses; no public equivalent

    closed = jax.make_jaxpr(fn)(*(jax.ShapeDtypeStruct(v.shape, v.dtype) for v in vals))
    n = len(closed.jaxpr.outvars)
    return [tuple(pe.dce_jaxpr(closed.jaxpr, [j == k for k in range(n)])[1]) for j in range(n)]


# --- the engine --------------------------------------------------------------------------------------


def _toposort(roots):
    """Nodes reachable from `roots`, each after every node that feeds it gradients."""
    order, seen = [], set()
    stack = [(n, False) for n in roots]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for e in node._edges:
            if e is not None and id(e[0]) not in seen:
                stack.append((e[0], False))
    order.reverse()
    return order


def _add(a, b):
    if a is None:
        return b
    return a + b


def run_backward(roots, root_grads, retain_graph, create_graph, inputs=None, accumulate=True):
    """Propagate `root_grads` from the `roots` tensors; accumulate into leaves' `.grad` or capture `inputs`."""
    note_backward()
    prev = _state._local.capturing
    _state._local.capturing = inputs is not None
    try:
        return _run_backward(roots, root_grads, retain_graph, create_graph, inputs, accumulate)
    finally:
        _state._local.capturing = prev


def _run_backward(roots, root_grads, retain_graph, create_graph, inputs, accumulate):
    from torchax._tensor import Tensor, wrap

    buffers: dict = {}
    root_nodes = []
    for t, g in zip(roots, root_grads):
        node, idx = edge(t)
        buf = buffers.setdefault(node, [None] * (len(node._out_meta) if node._out_meta else 1))
        buf[idx] = _add(buf[idx], g)
        root_nodes.append(node)
    captured = {}
    targets = {}
    if inputs is not None:
        for i, t in enumerate(inputs):
            targets.setdefault(edge(t), []).append(i)
    order = _toposort(root_nodes)
    if inputs is not None:  # only run nodes that lead to an input
        order = _prune(order, targets)
    for node in order:
        cts = buffers.pop(node, None)
        if cts is None:
            continue
        cts = _run_pre_hooks(node, cts, create_graph)
        for idx in range(len(cts)):
            if (node, idx) in targets and cts[idx] is not None:
                for i in targets[(node, idx)]:
                    captured[i] = cts[idx]
        if isinstance(node, AccumulateGrad):
            if accumulate and cts[0] is not None:
                _accumulate(node.variable, cts[0], create_graph)
                for h in node.post_accumulate_hooks:
                    h(node.variable)
            continue
        if node._jax_cts:
            grads = node._apply(cts, create_graph)
        else:  # a Python backward (Function, checkpoint) works in torch's convention
            grads = [_conj(g) for g in node._apply([_conj(c) for c in cts], create_graph)]
        if _state._local.anomaly and _state._local.anomaly_nan:
            _check_nan(node, grads)
        if node._hooks:
            for h in node._hooks:
                r = h(tuple(_to_user(g) for g in grads), tuple(_to_user(c) for c in cts))
                if r is not None:
                    grads = [_from_user(g, create_graph) for g in r]
        if not retain_graph:
            node._release()
        gi = iter(grads)
        for e in node._edges:
            if e is None:
                continue
            g = next(gi)
            nxt, idx = e
            buf = buffers.setdefault(nxt, [None] * (len(nxt._out_meta) if nxt._out_meta else 1))
            buf[idx] = _add(buf[idx], g)
    if inputs is None:
        return None
    out = []
    for i in range(len(inputs)):
        g = captured.get(i)
        out.append(None if g is None else g if isinstance(g, Tensor) else wrap(g))
    return out


def _check_nan(node, grads):
    """detect_anomaly: a NaN gradient raises, after a warning showing the forward call's stack."""
    from torchax._tensor import Tensor

    for i, g in enumerate(grads):
        v = g._value if isinstance(g, Tensor) else g
        if v is not None and jnp.issubdtype(v.dtype, jnp.inexact) and bool(jnp.isnan(v).any()):
            stack = "".join(node._stack or ())
            warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
                          f"{stack}", UserWarning, stacklevel=3)
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def _prune(order, targets):
    """Drop nodes from which no target (input) can be reached."""
    target_nodes = {id(n) for n, _ in targets}
    useful = set()
    for node in reversed(order):
        if id(node) in target_nodes or any(e is not None and id(e[0]) in useful for e in node._edges):
            useful.add(id(node))
    return [n for n in order if id(n) in useful]


def _as_tensor(v):
    from torchax._tensor import Tensor, wrap

    if v is None or isinstance(v, Tensor):
        return v
    return wrap(v)


def _conj(g):
    """A gradient between JAX's convention and torch's: for a complex value each is the other's conjugate
    (torch's is the conjugate Wirtinger derivative), so user-visible complex gradients are conjugated."""
    from torchax._tensor import Tensor

    if g is None:
        return g
    if isinstance(g, Tensor):
        return g.conj() if g._value.dtype.kind == "c" else g
    return jnp.conj(g) if g.dtype.kind == "c" else g


def _to_user(g):
    """An engine cotangent as the Tensor a hook sees (torch's convention)."""
    return _as_tensor(_conj(g))


def _from_user(g, create_graph):
    """A gradient a hook returned, back in the engine's convention."""
    from torchax._tensor import Tensor

    g = _conj(g)
    return g._value if isinstance(g, Tensor) and not create_graph else g


def _run_pre_hooks(node, cts, create_graph):
    th = node._tensor_hooks
    if th:
        cts = list(cts)
        for idx, hooks in th.items():
            for h in hooks:
                if cts[idx] is None:
                    continue
                r = h(_to_user(cts[idx]))
                if r is not None:
                    cts[idx] = _from_user(r, create_graph)
    if node._retained:
        for idx, ref in node._retained.items():
            t = ref()
            if t is not None and cts[idx] is not None:
                _accumulate(t, cts[idx], create_graph)
    if node._pre_hooks:
        for h in node._pre_hooks:
            r = h(tuple(_to_user(c) for c in cts))
            if r is not None:
                cts = [_from_user(c, create_graph) for c in r]
    return cts


def _accumulate(t, g, create_graph):
    from torchax._tensor import Tensor, wrap

    g = _conj(g)
    gt = g if isinstance(g, Tensor) else wrap(g)
    if not create_graph:
        gt = gt.detach()
    if gt._value.shape != t._value.shape:
        gt = wrap(jnp.broadcast_to(gt._value, t._value.shape))
    if t._grad is None:
        t._grad = gt
    elif create_graph:
        t._grad = t._grad + gt
    else:
        t._grad._write(t._grad._value + gt._value.astype(t._grad._value.dtype))
