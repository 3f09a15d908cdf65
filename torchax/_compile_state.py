"""What a compiled function can reach, and the cheap re-check of it on later calls (torch.compile's guards).

`_snapshot` walks a function's arguments, closure and globals into a `_Snapshot`: the tensors and storages
it can read, the places that hold them (`slots`: a parameter dict entry, a `.grad`, an optimizer state entry),
and a signature of everything the traced program is specialised on. `_guard` checks, for a cached call, that
nothing but the arguments changed since the last one, instead of walking the state again.
"""

from __future__ import annotations

import functools
import os
import types

import jax

from torchax._tensor import Tensor
from torchax.nn.modules.module import Module as _Module
from torchax.optim.lr_scheduler import LRScheduler as _LRScheduler
from torchax.optim.optimizer import Optimizer as _Optimizer

_MISSING = object()


_ATOMS = frozenset((bool, int, float, str, complex, bytes))
_FUNCTIONS = frozenset((types.FunctionType, functools.partial, types.MethodType))
_NAMES: dict = {}  # code object -> the sorted global names it (and its nested functions) may read


def _code_names(code) -> tuple:
    names = _NAMES.get(code)
    if names is None:
        out: set = set()
        stack = [code]
        while stack:
            c = stack.pop()
            out.update(c.co_names)
            stack.extend(x for x in c.co_consts if isinstance(x, types.CodeType))
        names = _NAMES[code] = tuple(sorted(out))
    return names


class _Snapshot:
    """The tensors reachable from a function and where they sit, in a deterministic order.

    slots: (container, key, is_attr) places that hold state (a module's parameter dict entry, a
    tensor's `.grad`, an optimizer state entry); tensors/storages: every distinct Tensor and storage
    found; lr_groups: optimizer param groups whose float `lr` is passed to the program as an input;
    sig: everything the program was specialised on.
    """

    __slots__ = ("slots", "values", "tensors", "tensor_ids", "storages", "storage_ids", "lr_groups", "sig",
                 "containers", "_seen", "_index", "viewed", "watch", "modules", "slot_pos", "lens", "n_state",
                 "arg_sig", "_meta", "assigned")

    def __init__(self):
        self.slots, self.values = [], []
        self.tensors, self.tensor_ids = [], {}
        self.storages, self.storage_ids = [], {}
        self.lr_groups = []
        self.sig = []
        self.containers = {}
        self._seen = set()
        self._index = None
        self.viewed = None
        # for the fast re-check of a cached call (CompiledFunction._guard): what the walk read
        self.watch = []  # (dict or cell, key, value): globals, closure cells, atoms of plain objects, modes
        self.modules = []  # every module walked
        self.slot_pos = []  # per slot: (tensor index, storage index) when it holds a tensor first seen there
        self.lens = []  # (container, len) of every dict walked whole
        self.n_state = None  # (tensors, storages, sig entries) before the arguments were walked
        self.arg_sig = None
        self._meta = None  # per state tensor: (tensor, requires_grad, is leaf, storage index), for _guard
        self.assigned = None  # where the slots a program assigns sit (CompiledFunction._remember)

    def tensor(self, t: Tensor) -> None:
        tid = id(t)
        if tid in self.tensor_ids:
            return
        self.tensor_ids[tid] = len(self.tensors)
        self.tensors.append(t)
        st = t._storage
        if id(st) not in self.storage_ids:
            self.storage_ids[id(st)] = len(self.storages)
            self.storages.append(st)
        v = st.value
        leaf = t._grad_fn is None
        self.sig.append((v.shape, v.dtype, t._view, t._requires_grad, leaf))
        if leaf and t._requires_grad:  # a leaf: its .grad is state
            self.slot(t, "_grad", True)

    def slot(self, container, key, is_attr: bool) -> None:
        value = getattr(container, key, None) if is_attr else container[key]
        self.containers[id(container)] = container
        self.slots.append((container, key, is_attr))
        self.values.append(value)
        self.sig.append((id(container), id(key) if type(key) is not str and isinstance(key, Tensor) else key))
        self.slot_pos.append(None)  # (nested slots are appended while this one's value is walked)
        if value is None:
            self.sig.append(None)
        elif isinstance(value, Tensor):
            if id(value) not in self.tensor_ids and id(value._storage) not in self.storage_ids:
                self.slot_pos[-1] = (len(self.tensors), len(self.storages))
            self.tensor(value)
        else:
            self.visit(value, 3)

    def visit(self, obj, depth: int) -> None:
        cls = type(obj)
        if cls in _ATOMS or obj is None:
            self.sig.append(obj)
            return
        if isinstance(obj, Tensor):
            self.tensor(obj)
            return
        if cls is type or cls is types.ModuleType:
            return
        if id(obj) in self._seen:
            return
        self._seen.add(id(obj))
        if isinstance(obj, _Module):
            self._module(obj)
        elif isinstance(obj, _Optimizer):
            self._optimizer(obj)
        elif isinstance(obj, _LRScheduler):
            self.visit(obj.optimizer, depth)
        elif isinstance(obj, dict):
            self.lens.append((obj, len(obj)))
            if depth > 0:
                for k in list(obj):
                    v = obj[k]
                    if isinstance(v, (Tensor, dict, list)):
                        self.slot(obj, k, False)
                    elif v is None or type(v) in _ATOMS:  # a setting the function may read: specialised on
                        self.sig.append((k, v) if type(k) in _ATOMS else v)
                        self.watch.append((obj, k, v))
        elif isinstance(obj, list):
            # NOTE: only a list's tensors (and containers) are state; its numbers are not specialised on, so a
            # list the function appends to (a log) does not recompile it (its length still forces a full walk)
            self.lens.append((obj, len(obj)))
            if depth > 0:
                for i in range(len(obj)):
                    if isinstance(obj[i], (Tensor, dict, list)):
                        self.slot(obj, i, False)
        elif isinstance(obj, tuple):
            for v in obj:
                self.visit(v, depth - 1)
        elif cls in _FUNCTIONS:
            self._function(obj, depth)
        elif depth > 0 and hasattr(obj, "__dict__") and not callable(getattr(obj, "__get__", None)):
            d = obj.__dict__
            self.lens.append((d, len(d)))
            for k in list(d):
                v = d[k]
                if isinstance(v, Tensor):
                    self.slot(d, k, False)
                elif type(v) not in _ATOMS and v is not None:
                    self.visit(v, depth - 1)
                else:
                    self.sig.append((k, v))
                    self.watch.append((d, k, v))

    def _module(self, root) -> None:
        sig = self.sig
        sig.append(id(root))
        for m in root.modules():
            d = m.__dict__
            sig.append(m.training)
            self.modules.append(m)
            # what a cached call assumes of a module beyond its tensors: its mode and how many members of each kind
            self.watch.append((d, "training", d.get("training", _MISSING)))
            self.lens += [(d, len(d)), (m._parameters, len(m._parameters)), (m._buffers, len(m._buffers)),
                          (m._modules, len(m._modules))]
            for dd in (m._parameters, m._buffers):
                for k in dd:
                    self.slot(dd, k, False)
            for k in d:
                if isinstance(d[k], Tensor):
                    self.slot(d, k, False)
            for k in getattr(type(m), "_compile_attrs", ()):  # settings the traced forward reads (DDP's no_sync)
                v = d.get(k)
                sig.append((k, v))
                self.watch.append((d, k, v))

    def _optimizer(self, opt) -> None:
        self.sig.append(id(opt))
        for g in opt.param_groups:
            for k, v in g.items():
                if k == "params":
                    for p in v:
                        self.tensor(p)
                elif k == "lr" and type(v) is float:
                    self.lr_groups.append(g)
                elif isinstance(v, Tensor):
                    self.slot(g, k, False)
                else:
                    self.sig.append((k, v if type(v) in _ATOMS or v is None or type(v) is tuple else type(v)))
                    self.watch.append((g, k, v))
            self.lens.append((g, len(g)))
            self.lens.append((g["params"], len(g["params"])))
        self.lens.append((opt.param_groups, len(opt.param_groups)))
        state = opt.state
        self.lens.append((state, len(state)))
        self.containers[id(state)] = state
        for p in list(state):
            self.slot(state, p, False)

    def _function(self, fn, depth: int) -> None:
        if isinstance(fn, types.MethodType):
            self.visit(fn.__self__, depth)
            fn = fn.__func__
        if isinstance(fn, functools.partial):
            self.visit(fn.args, depth)
            self.visit(tuple(fn.keywords.values()), depth)
            fn = fn.func
        if not isinstance(fn, types.FunctionType):
            return
        if _is_library(fn.__code__.co_filename):
            return
        for cell in fn.__closure__ or ():
            try:
                v = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            self.watch.append((cell, None, v))
            self.visit(v, depth)
        g = fn.__globals__
        for name in _code_names(fn.__code__):
            v = g.get(name, _MISSING)
            if v is not _MISSING:
                self.watch.append((g, name, v))
                self.visit(v, depth)


_LIBRARY = (os.path.dirname(os.path.abspath(__file__)), os.path.dirname(os.path.abspath(jax.__file__)))


def _is_library(filename: str) -> bool:
    return filename.startswith(_LIBRARY)


def _snapshot(fn, args, kwargs) -> _Snapshot:
    snap = _Snapshot()
    snap._function(fn, 3) if not _is_module(fn) else snap.visit(fn, 3)
    snap.sig.append("args")
    snap.n_state = (len(snap.tensors), len(snap.storages), len(snap.sig), len(snap.slots))
    snap.visit(args, 3)
    snap.visit(tuple(kwargs.items()), 3)
    snap.arg_sig = snap.sig[snap.n_state[2]:]
    return snap


def _meta_entry(t: Tensor, storage_index: int) -> tuple:
    """What `_guard` re-checks of a state tensor: its autograd flags and which storage it holds."""
    return (t, t._requires_grad, t._grad_fn is None, storage_index)


def _guard(snap: _Snapshot, args, kwargs):
    """`snap` brought up to date for a new call when nothing but the arguments changed since the last one
    (the common training loop), else None: the cheap alternative to walking all the state again."""
    for holder, key, value in snap.watch:
        if key is None:
            try:
                if holder.cell_contents is not value:
                    return None
            except ValueError:
                return None
        elif holder.get(key, _MISSING) is not value:
            return None
    for container, n in snap.lens:
        if len(container) != n:
            return None
    n_t, n_s = snap.n_state[0], snap.n_state[1]
    for (container, key, is_attr), value in zip(snap.slots, snap.values):  # (the arguments hold no slots)
        # NOTE: a dict's key can change at the same length; `get` neither raises nor, on the optimizer's
        # defaultdict state, inserts an entry (lists passed the length check: their index is there)
        if is_attr:
            now = getattr(container, key, None)
        else:
            now = container[key] if isinstance(container, list) else container.get(key, _MISSING)
        if now is not value:
            return None
    tensors, storages = snap.tensors, snap.storages
    for t, rg, leaf, si in snap._meta:
        if t._requires_grad is not rg or (t._grad_fn is None) is not leaf or t._storage is not storages[si]:
            return None
    new = _Snapshot()
    new.visit(args, 3)
    new.visit(tuple(kwargs.items()), 3)
    if new.sig != snap.arg_sig or new.slots or len(new.tensors) != len(tensors) - n_t \
            or len(new.storages) != len(storages) - n_s:
        return None
    tensor_ids, storage_ids = snap.tensor_ids, snap.storage_ids
    for t in new.tensors:  # an argument that is also state (a parameter passed in) needs the full walk
        i = tensor_ids.get(id(t))
        if i is not None and i < n_t:
            return None
    for st in new.storages:
        j = storage_ids.get(id(st))
        if j is not None and j < n_s:
            return None
    if any(t._view is not None for t in new.tensors) or any(t._view is not None for t in tensors[n_t:]):
        snap.viewed = None  # (the storages views reach, for donation: kept while only plain tensors come in)
    for t in tensors[n_t:]:
        tensor_ids.pop(id(t), None)
    for st in storages[n_s:]:
        storage_ids.pop(id(st), None)
    for j, t in enumerate(new.tensors):
        tensors[n_t + j] = t
        tensor_ids[id(t)] = n_t + j
    for j, st in enumerate(new.storages):
        storages[n_s + j] = st
        storage_ids[id(st)] = n_s + j
    return snap


def _is_module(obj) -> bool:
    from torchax.nn.modules.module import Module

    return isinstance(obj, Module)


def _slot_id(container, key) -> tuple:
    return (id(container), id(key) if isinstance(key, Tensor) else key)
