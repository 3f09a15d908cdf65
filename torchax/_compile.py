"""torch.compile: run a whole Python function as one cached XLA program.

A compiled function is traced once per signature with JAX tracers standing in for every tensor it can
reach: its arguments, and the modules, optimizers, schedulers and tensors its closure and globals refer
to (parameters, buffers, `.grad`s, optimizer state, learning rates, the RNG key). The trace yields a
*plan*: which storages the program rewrites, which new tensors it leaves behind and where (a `.grad`,
an optimizer state entry), what it returns, and the host-side calls (`lr_scheduler.step()`) that must
run around it. Later calls with the same signature skip Python entirely: one `jax.jit` call, then the
plan writes the results back into the same Tensor objects, so the code around the call sees exactly
what eager execution would have left.

A trace that needs a concrete value (`.item()`, printing, data-dependent `if`) is a graph break: the
call runs eagerly instead, with one warning naming the line (or raises with `fullgraph=True`).
"""

from __future__ import annotations

import functools
import sys
import types
import warnings

import jax
import jax.extend as jex

from torchax import _state
from torchax._compile_hooks import _tls, _Trace, host_call, is_compiling, note_optimizer_step  # noqa: F401
from torchax._compile_state import _MISSING, _guard, _is_library, _meta_entry, _slot_id, _Snapshot, _snapshot
from torchax._tensor import Tensor, _new, _Storage

__all__ = ["CompiledFunction", "Unsupported", "is_compiling"]

CACHE_SIZE_LIMIT = 8  # torch._dynamo.config.cache_size_limit / recompile_limit


class Unsupported(RuntimeError):
    """A compiled function needs a concrete value inside (torch._dynamo.exc.Unsupported)."""



# --- templates: how to rebuild a Python value from program outputs -----------------------------------


class _Plan:
    """What a traced call did, as data that replays it: writes, new tensors, deferred calls, the result."""

    def __init__(self):
        self.changed = []  # (storage index, output index): storages the program rewrote
        self.new_storages = {}  # id(storage) -> output index, for tensors made during the trace
        self.assign = []  # (container, key, is_attr, template): places that now hold other objects
        self.host = []  # (before?, function, args template, kwargs template)
        self.result = None
        self.outputs = []

    def out(self, value) -> int:
        self.outputs.append(value)
        return len(self.outputs) - 1

    def template(self, v, pre: _Snapshot):
        if isinstance(v, Tensor):
            i = pre.tensor_ids.get(id(v))
            if i is not None:
                return ("old", i)
            st = v._storage
            j = pre.storage_ids.get(id(st))
            if j is not None:
                return ("alias", j, v._view)
            k = self.new_storages.get(id(st))
            if k is None:
                k = self.new_storages[id(st)] = self.out(st.value)
            return ("new", k, v._view)
        if type(v) in (list, tuple) or isinstance(v, tuple) and hasattr(v, "_fields"):
            return ("seq", type(v), tuple(self.template(x, pre) for x in v))
        if type(v) is dict or isinstance(v, dict) and type(v).__module__ == "collections":
            return ("dict", type(v), tuple((k, self.template(x, pre)) for k, x in v.items()))
        return ("const", v)


def _rebuild(tpl, snap: _Snapshot, outs, made: dict):
    kind = tpl[0]
    if kind == "old":
        return snap.tensors[tpl[1]]
    if kind == "alias":
        t = _new(Tensor, snap.storages[tpl[1]], tpl[2])
        return t
    if kind == "new":  # (outs None: an empty storage, filled once the program has run)
        st = made.get(tpl[1])
        if st is None:
            st = made[tpl[1]] = _Storage(None if outs is None else outs[tpl[1]])
        return _new(Tensor, st, tpl[2])
    if kind == "seq":
        items = [_rebuild(x, snap, outs, made) for x in tpl[2]]
        cls = tpl[1]
        return cls(*items) if hasattr(cls, "_fields") else cls(items)
    if kind == "dict":
        d = tpl[1]() if tpl[1] is not dict else {}
        for k, x in tpl[2]:
            d[k] = _rebuild(x, snap, outs, made)
        return d
    return tpl[1]


# --- tracing -----------------------------------------------------------------------------------------


_BREAKS = (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError,
           jax.errors.TracerIntegerConversionError, jax.errors.TracerBoolConversionError)


class _GraphBreak(Exception):
    def __init__(self, reason: str, where: str):
        super().__init__(reason)
        self.reason, self.where = reason, where


def _user_line(tb) -> str:
    """file:line of the innermost frame of user code in a traceback."""
    where = "?"
    for frame, line in __import__("traceback").walk_tb(tb):
        if not _is_library(frame.f_code.co_filename):
            where = f"{frame.f_code.co_filename}:{line}"
    return where


class _Program:
    """One compiled signature: the jitted program and the plan that writes its results back."""

    custom = False  # runs through self.call (a differentiable or multi-process program)
    differentiable = False  # its results get a grad_fn (self.attach)

    def __init__(self, plan: _Plan, closed, n_vals: int, uses_rng: bool, keep: tuple):
        self.plan = plan
        self.jaxpr = closed  # the traced program, for inspection
        self.uses_rng = uses_rng
        self.keep = keep  # containers the plan refers to, kept alive so that their ids stay theirs
        changed = [i for i, _ in plan.changed]
        read = _read_inputs(closed.jaxpr)
        # the storages passed in: those the program rewrites (donated), then those it reads
        self.order = changed + [i for i in range(n_vals) if i not in set(changed) and read[i]]
        inv = [None] * n_vals
        for pos, i in enumerate(self.order):
            inv[i] = pos
        n_changed = len(changed)
        fun = jex.core.jaxpr_as_fun(closed)
        avals = closed.in_avals

        def run(donated, kept, hps, key):
            vals = list(donated) + list(kept)
            res = fun(*[vals[inv[i]] if inv[i] is not None else jax.numpy.zeros(avals[i].shape, avals[i].dtype)
                        for i in range(n_vals)], *hps, key)
            # NOTE: a program that draws no random numbers returns no key: a key output is unwrapped on every call
            return res[:-1], (res[-1] if uses_rng else None)

        self.n_changed = n_changed
        self.jit = jax.jit(run, donate_argnums=(0,))
        self.jit_keep = jax.jit(run)


def _read_inputs(jaxpr) -> list:
    """Per input of `jaxpr`: whether the program reads it. A state tensor it only overwrites (a `.grad` after
    `zero_grad()`) is not passed in: each array passed costs the call a little."""
    used = {v for e in jaxpr.eqns for v in e.invars if isinstance(v, jex.core.Var)}
    used.update(v for v in jaxpr.outvars if isinstance(v, jex.core.Var))
    return [v in used for v in jaxpr.invars]


def _trace(fn, args, kwargs, pre: _Snapshot, spmd=None):
    """Trace `fn` with tracers for every storage in `pre`; returns the closed jaxpr and the plan. The state
    is restored afterwards: tracing leaves no trace outside. With `spmd` (a torchax.distributed._spmd layout) the
    program is traced as one step of every process of the job (collectives inside)."""
    from torchax._ops.random import key_scope
    from torchax._tensor import wrap

    plan = _Plan()
    saved_values = [st.value for st in pre.storages]
    saved_versions = [st.version for st in pre.storages]
    saved_meta = [(t.grad_fn, t._out_idx, t._requires_grad) for t in pre.tensors]
    saved_lrs = [g["lr"] for g in pre.lr_groups]
    info = {}

    def program(vals, hps, key):
        trace = _Trace()
        prev = getattr(_tls, "trace", None)
        _tls.trace = trace
        try:
            for st, v in zip(pre.storages, vals):
                st.value = v
                st.version += 1
            for g, h in zip(pre.lr_groups, hps):
                g["lr"] = wrap(h)
            try:
                with key_scope(key) as box:
                    result = fn(*args, **kwargs)
            except Exception as e:
                cause = _break_cause(e)
                if cause is None:
                    raise
                raise _GraphBreak(f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}",
                                  _user_line(e.__traceback__)) from None
            for g, lr in zip(pre.lr_groups, saved_lrs):  # the program's lr inputs are not state it writes
                g["lr"] = lr
            for finish in trace.finish:
                finish(trace)
            post = _snapshot(fn, args, kwargs)
            for i, st in enumerate(pre.storages):
                if st.value is not vals[i]:
                    plan.changed.append((i, plan.out(st.value)))
            for (container, key_, is_attr), value in zip(post.slots, post.values):
                if id(container) not in pre.containers:
                    continue  # inside a new container: rebuilt with it
                before = _lookup(pre, container, key_)
                if before is not _MISSING and before is value:
                    continue
                plan.assign.append((container, key_, is_attr, plan.template(value, pre)))
            for before, host_fn, a, k in trace.host:
                plan.host.append((before, host_fn, plan.template(a, pre), plan.template(k, pre)))
            plan.result = plan.template(result, pre)
            info["rng"] = box[0] is not key
            info["grad_outs"] = (_grad_outs(result, plan) if _state._local.grad_enabled and not trace.backwards
                                 else [])
            if info["grad_outs"] and _custom_backward(result):
                raise _GraphBreak("a torch.autograd.Function with its own backward feeds a result whose backward "
                                  "runs after the compiled call", _name(fn))
            return plan.outputs, box[0]
        finally:
            _tls.trace = prev
            for st, v, ver in zip(pre.storages, saved_values, saved_versions):
                st.value, st.version = v, ver + 1_000_000  # a new version: views re-read their base
            for t, (gf, idx, rg) in zip(pre.tensors, saved_meta):
                t.grad_fn, t._out_idx, t._requires_grad = gf, idx, rg
            for (container, key_, is_attr), value in zip(pre.slots, pre.values):
                (setattr(container, key_, value) if is_attr else container.__setitem__(key_, value))
            for g, lr in zip(pre.lr_groups, saved_lrs):
                g["lr"] = lr
            _drop_new_slots(pre)

    key = jax.random.key(0)
    if spmd is None:
        traced = jax.jit(program).trace(saved_values, [float(x) for x in saved_lrs], key)
    else:
        traced, info["spmd_out"] = spmd.trace(program, saved_values, [float(x) for x in saved_lrs], key)
    return traced.jaxpr, plan, info


def _lookup(pre: _Snapshot, container, key):
    index = getattr(pre, "_index", None)
    if index is None:
        index = pre._index = {_slot_id(c, k): v for (c, k, _), v in zip(pre.slots, pre.values)}
    return index.get(_slot_id(container, key), _MISSING)


def _drop_new_slots(pre: _Snapshot) -> None:
    """Remove entries a trace added to pre-existing dicts (optimizer state...): the plan re-creates them."""
    known = {_slot_id(c, k) for c, k, _ in pre.slots}
    for c in pre.containers.values():
        if isinstance(c, dict):
            for k in [k for k in c if _slot_id(c, k) not in known]:
                if _holds_tracer(c[k]):
                    del c[k]


def _holds_tracer(v) -> bool:
    if isinstance(v, Tensor):
        return isinstance(v._storage.value, jax.core.Tracer)
    if isinstance(v, dict):
        return any(_holds_tracer(x) for x in v.values())
    if isinstance(v, (list, tuple)):
        return any(_holds_tracer(x) for x in v)
    return False


def _break_cause(e):
    """The JAX concretization error behind `e` (torchax may have re-raised it as torch's error type), or None."""
    seen = 0
    while e is not None and seen < 8:
        if isinstance(e, _BREAKS):
            return e
        if isinstance(e, _GraphBreak):
            return None
        e = e.__cause__ or e.__context__
        seen += 1
    return None


def _custom_backward(result) -> bool:
    """Whether the graph behind `result` holds an autograd.Function node: its hand-written backward would be
    lost if JAX differentiated the compiled forward."""
    from torchax.autograd.function import BackwardCFunction

    stack = [t.grad_fn for t in jax.tree.leaves(result, is_leaf=lambda x: isinstance(x, Tensor))
             if isinstance(t, Tensor) and t.grad_fn is not None]
    seen = set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, BackwardCFunction):
            return True
        stack.extend(e[0] for e in node._edges if e is not None)
    return False


def _grad_outs(result, plan: _Plan) -> list:
    """Output indices of the returned tensors that carry a live autograd graph (a compiled forward whose
    backward runs later); empty when the function ran its own backward."""
    out = []
    for t in jax.tree.leaves(result, is_leaf=lambda x: isinstance(x, Tensor)):
        if isinstance(t, Tensor) and t._requires_grad and t.grad_fn is not None and not t.grad_fn._released \
                and t._view is None:
            o = plan.new_storages.get(id(t._storage))
            if o is not None and o not in out:
                out.append(o)
    return out


# --- the compiled callable ---------------------------------------------------------------------------

_EAGER = "eager"


def _next_key():
    """The JAX key compiled random ops draw from: kept on the default generator, made again from its seed
    after `manual_seed`, so a seeded script draws the same numbers in compiled code on every run."""
    from torchax.random import default_generator as gen

    if gen._key is None:
        gen._key = jax.random.key(gen.initial_seed())
    return gen._key


_ALL: list = []  # weak registry for stats / reset


class CompiledFunction:
    """The callable `torchax.compile` returns for a function."""

    def __init__(self, fn, fullgraph=False, dynamic=None, mode=None, backend="inductor", options=None,
                 disable=False):
        self._fn = fn
        self._fullgraph = fullgraph
        self._disable = disable
        self._cache: dict = {}
        self._fast = None  # (mode, program, snapshot) of the last call, re-checked cheaply by _guard
        self.stats = {"calls": 0, "compiles": 0, "graph_breaks": 0, "eager_calls": 0, "recompile_warnings": 0,
                      "donated": 0}
        functools.update_wrapper(self, fn, updated=())
        import weakref

        _ALL.append(weakref.ref(self))

    def __get__(self, obj, objtype=None):
        return self if obj is None else types.MethodType(self, obj)

    def __call__(self, *args, **kwargs):
        fn = self._fn
        if self._disable or getattr(_tls, "trace", None) is not None:
            return fn(*args, **kwargs)
        self.stats["calls"] += 1
        from torchax import _dtype

        mode = (_state._local.grad_enabled, _dtype._default[0], _autocast_key())
        fast, self._fast = self._fast, None
        if fast is not None and fast[0] == mode:
            snap = _guard(fast[2], args, kwargs)
            if snap is not None:
                return self._run(fast[1], snap, mode)
        pre = _snapshot(fn, args, kwargs)
        key = (tuple(pre.sig), *mode)
        try:
            prog = self._cache.get(key)
        except TypeError:  # an unhashable argument: nothing to specialise on
            self.stats["eager_calls"] += 1
            return fn(*args, **kwargs)
        if prog is None:
            prog = self._compile(key, pre, args, kwargs)
        if prog is _EAGER:
            self.stats["eager_calls"] += 1
            return fn(*args, **kwargs)
        return self._run(prog, pre, mode)

    def _compile(self, key, pre, args, kwargs):
        if len(self._cache) >= CACHE_SIZE_LIMIT:
            if self.stats["recompile_warnings"] == 0:
                warnings.warn(f"torch.compile: {_name(self._fn)} hit the recompile limit ({CACHE_SIZE_LIMIT}); "
                              "further new signatures run eagerly (torchax._compile.CACHE_SIZE_LIMIT)", UserWarning,
                              stacklevel=3)
            self.stats["recompile_warnings"] += 1
            return _EAGER
        spmd = _spmd_layout(pre)
        try:
            try:
                closed, plan, info = _trace(self._fn, args, kwargs, pre, spmd)
            except Exception as e:  # a collective on traced values: trace again over the process mesh
                if spmd is not None or not _needs_spmd(e) or (spmd := _spmd_layout(None)) is None:
                    raise
                closed, plan, info = _trace(self._fn, args, kwargs, pre, spmd)
        except _GraphBreak as e:
            self.stats["graph_breaks"] += 1
            if self._fullgraph:
                raise Unsupported(f"torch.compile(fullgraph=True): {_name(self._fn)} needs a concrete value at "
                                  f"{e.where}: {e.reason}") from None
            warnings.warn(f"torch.compile: graph break in {_name(self._fn)} at {e.where} ({e.reason}); this call "
                          "signature runs eagerly", UserWarning, stacklevel=3)
            self._cache[key] = _EAGER
            return _EAGER
        common = (plan, closed, len(pre.storages), info["rng"], tuple(pre.containers.values()))
        if spmd is not None:
            from torchax.distributed import _spmd

            prog = (_spmd.SPMDDiffProgram(*common, pre, info["grad_outs"], spmd, info["spmd_out"])
                    if info["grad_outs"] else _spmd.SPMDProgram(*common, spmd, info["spmd_out"]))
        elif info["grad_outs"]:
            prog = _DiffProgram(*common, pre, info["grad_outs"])
        else:
            prog = _Program(*common)
        self.stats["compiles"] += 1
        self._cache[key] = prog
        return prog

    def _run(self, prog: _Program, snap: _Snapshot, mode):
        """Run `prog` on the state `snap` found and write its results back; remember `snap` for the next call."""
        plan = prog.plan
        made: dict = {}
        for before, host_fn, a, k in plan.host:
            if before:
                host_fn(*_rebuild(a, snap, (), made), **_rebuild(k, snap, (), made))
        storages = snap.storages
        vals = [st.value for st in storages]
        hps = [float(g["lr"]) for g in snap.lr_groups]
        key = _next_key() if prog.uses_rng else _dummy_key()
        # NOTE: the new tensors, and the snapshot the next call is checked against, are made before the program
        # runs, with storages it fills after: XLA:CPU's threads take every core, and Python run beside them is
        # slower (measured 1.5-3x on 2 cores) and slows them down
        assigned = [(container, key_, is_attr, _rebuild(tpl, snap, None, made))
                    for container, key_, is_attr, tpl in plan.assign]
        result = _rebuild(plan.result, snap, None, made)
        targets = [(storages[i], o) for i, o in plan.changed]
        # (a custom program reads `snap`; host functions read the state as the call left it: both remember after)
        late = prog.custom or plan.host
        remembered = None
        if prog.custom:
            outs, new_key = prog.call(snap, vals, hps, key)
        else:
            order = prog.order
            n = prog.n_changed
            donated = [vals[i] for i in order[:n]]
            kept = [vals[i] for i in order[n:]]
            del vals
            jitted = prog.jit_keep
            if n and _donatable(donated, snap, order[:n]):
                jitted = prog.jit
                self.stats["donated"] += 1
            if not late:
                remembered = _remember(prog, snap, assigned)
            outs, new_key = jitted(donated, kept, hps, key)
        if prog.uses_rng:
            from torchax.random import default_generator

            default_generator._key = new_key
        for st, o in targets:
            st.value = outs[o]
            st.version += 1
        for o, st in made.items():
            st.value = outs[o]
        for container, key_, is_attr, v in assigned:
            setattr(container, key_, v) if is_attr else container.__setitem__(key_, v)
        for before, host_fn, a, k in plan.host:
            if not before:
                host_fn(*_rebuild(a, snap, outs, made), **_rebuild(k, snap, outs, made))
        if prog.differentiable:
            prog.attach(result, snap, made)
        if late:
            remembered = _remember(prog, snap, assigned)
        if remembered is not None:
            self._fast = (mode, prog, remembered)
        return result


_DUMMY_KEY = [None]


def _dummy_key():
    if _DUMMY_KEY[0] is None:
        _DUMMY_KEY[0] = jax.random.key(0)
    return _DUMMY_KEY[0]


def _remember(prog, snap: _Snapshot, assigned: list):
    """Bring `snap` to the state `prog`'s write-back will leave (`assigned`: the values it puts in their places),
    so that the next call can be checked against it with `_guard` instead of a new walk; None when the call
    changes the state's structure."""
    if prog.differentiable:
        return None
    n_t, n_s = snap.n_state[0], snap.n_state[1]
    where = snap.assigned
    if where is None:  # which slot each assignment fills, and where its tensor sits: stable while `_guard` holds
        index = {_slot_id(c, k): i for i, (c, k, _) in enumerate(snap.slots)}
        where = []
        for container, key, _, _ in assigned:
            i = index.get(_slot_id(container, key))
            if i is None or snap.slot_pos[i] is None:
                return None
            ti, si = snap.slot_pos[i]
            if ti >= n_t or si >= n_s:
                return None
            where.append((i, ti, si))
    tensors, storages = snap.tensors, snap.storages
    tensor_ids, storage_ids = snap.tensor_ids, snap.storage_ids
    meta = snap._meta if not prog.plan.host else None  # (host functions may change any tensor's flags)
    for (_, _, _, v), (i, ti, si) in zip(assigned, where):
        if not isinstance(v, Tensor) or v._view is not None or id(v._storage) in storage_ids:
            return None
        if tensors[ti]._view is not None:
            snap.viewed = None
        tensor_ids.pop(id(tensors[ti]), None)
        storage_ids.pop(id(storages[si]), None)
        tensors[ti], storages[si] = v, v._storage
        tensor_ids[id(v)], storage_ids[id(v._storage)] = ti, si
        snap.values[i] = v
        if meta is not None:
            meta[ti] = _meta_entry(v, si)
    snap.assigned = where
    snap._index = None
    if meta is None:
        snap._meta = [_meta_entry(t, storage_ids[id(t._storage)]) for t in tensors[:n_t]]
    return snap


def _donatable(values, snap, idx) -> bool:
    """Donate the arrays the program replaces only when nothing but their storage holds them."""
    from torchax.optim._fused import _OWNED_REFS

    for v in values:
        if sys.getrefcount(v) > _OWNED_REFS or not isinstance(v, jax.Array):
            return False
    if snap.viewed is None:
        snap.viewed = {id(t._storage) for t in snap.tensors if t._view is not None}
    return not snap.viewed or not any(id(snap.storages[i]) in snap.viewed for i in idx)


def _spmd_layout(pre):
    """The process mesh to trace over: when the default group has several processes and `pre` reaches a
    DistributedDataParallel module (or, with pre=None, a collective was met on traced values); else None."""
    rt = sys.modules.get("torchax.distributed._runtime")
    if rt is None or rt.WORLD.pg is None or rt.WORLD.world_size <= 1:
        return None
    if pre is not None:
        from torchax.nn.parallel.distributed import DistributedDataParallel

        if not any(isinstance(m, DistributedDataParallel) for m in pre.modules):
            return None
    from torchax.distributed import _spmd

    return _spmd.layout()


def _needs_spmd(e) -> bool:
    from torchax.distributed._runtime import TracedCollective

    for _ in range(8):
        if e is None or isinstance(e, _GraphBreak):
            return False
        if isinstance(e, TracedCollective):
            return True
        e = e.__cause__ or e.__context__
    return False


def _autocast_key():
    """The autocast regions in force (device type -> dtype): a compiled program bakes the casts in."""
    from torchax import _registry

    if _registry._autocast[0] is None:
        return None
    from torchax.amp import _state as amp_state

    return tuple(sorted((k, str(v)) for k, v in amp_state._local.active.items()))


def _name(fn) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__


# --- differentiable compiled calls: compile(model)(x).backward() ---------------------------------------


class _DiffProgram(_Program):
    """A compiled call whose result carries gradients (a compiled forward, backward run later): the program
    runs under jax.vjp and the returned tensors get one grad_fn, CompiledFunctionBackward, holding its VJP."""

    custom = differentiable = True

    def __init__(self, plan, closed, n_vals, uses_rng, keep, pre: _Snapshot, grad_outs):
        self.plan, self.uses_rng, self.keep, self.jaxpr = plan, uses_rng, keep, closed
        self.diff = [i for i, _ in _diff_inputs(pre)]  # storage indices of the inputs that require grad
        self.grad_outs = grad_outs
        fun = jex.core.jaxpr_as_fun(closed)
        diff = self.diff

        def fwd(diff_vals, vals, hps, key):
            def f(*dv):
                full = list(vals)
                for i, v in zip(diff, dv):
                    full[i] = v
                res = fun(*full, *hps, key)
                return tuple(res[o] for o in grad_outs), (res[:-1], res[-1])

            out, vjp, aux = jax.vjp(f, *diff_vals, has_aux=True)
            return vjp, aux

        self.fwd = jax.jit(fwd)

    def call(self, snap, vals, hps, key):
        vjp, (outs, new_key) = self.fwd([vals[i] for i in self.diff], vals, hps, key)
        self._vjp = vjp
        return outs, new_key

    def attach(self, result, snap, made) -> None:
        from torchax.autograd import _graph

        vjp, self._vjp = self._vjp, None
        inputs = [_diff_tensor(snap, i) for i in self.diff]
        tensors = [t for t in jax.tree.leaves(result, is_leaf=lambda x: isinstance(x, Tensor))
                   if isinstance(t, Tensor)]
        outs = [next(t for t in tensors if t._storage is made[o] and t._view is None) for o in self.grad_outs]
        meta = tuple((t._storage.value.shape, t._storage.value.dtype, True) for t in outs)
        node = self.node(vjp, tuple(_graph.edge(t) for t in inputs), meta, inputs)
        for i, t in enumerate(outs):
            t._requires_grad, t.grad_fn, t._out_idx = True, node, i


    def node(self, vjp, edges, meta, inputs):
        from torchax.autograd import _graph

        return _graph.Node("CompiledFunctionBackward", vjp, edges, meta, inputs=inputs, multi=True)


def _diff_inputs(pre: _Snapshot):
    out = []
    for t in pre.tensors:
        if t._requires_grad and t._view is None:
            out.append((pre.storage_ids[id(t._storage)], t))
    seen, uniq = set(), []
    for i, t in out:
        if i not in seen:
            seen.add(i)
            uniq.append((i, t))
    return uniq


def _diff_tensor(snap: _Snapshot, storage_index: int) -> Tensor:
    st = snap.storages[storage_index]
    for t in snap.tensors:
        if t._storage is st and t._requires_grad and t._view is None:
            return t
    raise AssertionError("no differentiable tensor for a storage")
