"""torchax.Tensor: a JAX array in a shared storage cell, with torch's views, attributes and protocols.

A Tensor owns (or shares) a `_Storage` cell holding one JAX array and a version counter. A
non-view tensor reads the cell directly. A view also holds the chain of steps from the base
(see `_views.py`); it re-derives its value when the cell's version moved, and an in-place write
through it is scattered back into the base, so every alias sees it, as in torch.
"""

from __future__ import annotations

import builtins
import math
import warnings

import jax
import jax.numpy as jnp

from torchax import _device, _dtype, _fastpath, _registry, _state, _views
from torchax._tensor_protocol import _Protocols, _rebuild  # noqa: F401 - (pickles made before the split name _tensor._rebuild)

_BY_NP = _dtype._BY_NP  # numpy dtype -> torch dtype


class _Storage:
    __slots__ = ("value", "version")

    def __init__(self, value):
        self.value = value
        self.version = 0


class Size(tuple):
    """torch.Size: a tuple of ints that prints as `torch.Size([2, 3])`."""

    def __repr__(self):
        return f"torch.Size([{', '.join(map(str, self))}])"

    def numel(self) -> int:
        return math.prod(self)

    def __getitem__(self, i):
        r = super().__getitem__(i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __reduce__(self):
        return (Size, (tuple(self),))


def _new(cls, storage, view=None):
    t = object.__new__(cls)
    t._storage = storage
    if view is not None:
        t._view = view
    return t


_new_object = object.__new__


def wrap(value) -> Tensor:
    """A new non-view Tensor holding the JAX array `value`."""
    st = _new_object(_Storage)  # (no __init__ call: every op result comes through here)
    st.value = value
    st.version = 0
    t = _new_object(Tensor)
    t._storage = st
    return t


def _shape_arg(args) -> tuple:
    """`view(2, 3)`, `view((2, 3))` and `view([2, 3])` all mean shape (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(builtins.int(a) for a in args)


class Tensor(_Protocols):
    """torchax implementation of `torch.Tensor`."""

    __slots__ = ("_storage", "__weakref__", "__dict__")
    # NOTE: everything else is a class-level default until set, so making a tensor costs one attribute write
    _view = None  # the chain of view steps from the storage's base array, or None
    _cache = None  # a view's value, valid while the storage version equals _cache_v
    _cache_v = -1
    _layout = None  # a view's (shape, strides, offset), computed on demand
    _requires_grad = False
    _grad = None
    _grad_fn = None
    _out_idx = 0  # which output of grad_fn this tensor is
    _base = None
    __array_priority__ = 1000  # numpy defers `ndarray * tensor` to Tensor.__rmul__

    def __new__(cls, *args, device=None):
        """Legacy constructor: `Tensor(2, 3)` (uninitialised float), `Tensor([1, 2])`, `Tensor()`."""
        from torchax._ops.creation import _legacy_new

        return _legacy_new(_dtype.get_default_dtype(), args, device, cls)

    # --- the value ------------------------------------------------------------------------------

    @property
    def _value(self):
        if self._view is None:
            return self._storage.value
        st = self._storage
        if self._cache_v != st.version:
            self._cache = _views.read(self._view, st.value)
            self._cache_v = st.version
        return self._cache

    def _write(self, new) -> None:
        """Replace this tensor's elements with `new` (same shape and dtype), through any view."""
        st = self._storage
        if self._view is None:
            st.value = new
            st.version += 1
            return
        st.value = _views.write(self._view, st.value, new)
        st.version += 1
        self._cache, self._cache_v = new, st.version

    def _alias(self, cls=None) -> Tensor:
        """A new Tensor sharing this one's storage and view (the basis of `detach` and `.data`)."""
        t = _new(cls or Tensor, self._storage, self._view)
        t._cache, t._cache_v, t._layout = self._cache, self._cache_v, self._layout
        t._base = self._base
        return t

    # --- metadata -------------------------------------------------------------------------------

    @property
    def shape(self) -> Size:
        return Size(self._value.shape)

    def size(self, dim=None):
        shape = self._value.shape
        if dim is None:
            return Size(shape)
        return shape[_wrap_dim(dim, len(shape))]

    @property
    def dtype(self) -> _dtype.dtype:
        v = self._storage.value if self._view is None else self._value
        try:  # (`aval.dtype`: the array's own `.dtype` is a Python property that reads it)
            return _BY_NP[v.aval.dtype]
        except (AttributeError, KeyError, TypeError):
            return _dtype.from_jax(v.dtype)

    @property
    def device(self) -> _device.device:
        v = self._value
        if isinstance(v, jax.core.Tracer):
            return _state.default_device()
        return _device.from_jax(next(iter(v.devices())))

    @property
    def ndim(self) -> int:
        return self._value.ndim

    def dim(self) -> int:
        return self._value.ndim

    ndimension = dim

    def numel(self) -> int:
        return self._value.size

    nelement = numel

    def element_size(self) -> int:
        return self._value.dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self._value.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self._value.size * self._value.dtype.itemsize

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    is_sparse = False
    is_quantized = False
    is_meta = False
    is_mkldnn = False
    is_nested = False

    @property
    def layout(self):
        from torchax import strided

        return strided

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def is_complex(self) -> bool:
        return self.dtype.is_complex

    def is_signed(self) -> bool:
        return self.dtype.is_signed

    def get_device(self) -> int:
        d = self.device
        return -1 if d.type == "cpu" else d.index or 0

    # --- strides ----------------------------------------------------------------------------------

    def _strided(self) -> tuple[tuple, tuple, int]:
        if self._view is None:
            shape = self._value.shape
            return shape, _views.contiguous_strides(shape), 0
        if self._layout is None:
            self._layout = _views.layout(self._view, self._storage.value.shape)
        return self._layout

    def stride(self, dim=None):
        strides = self._strided()[1]
        return strides if dim is None else strides[_wrap_dim(dim, len(strides))]

    def storage_offset(self) -> int:
        return self._strided()[2]

    def is_contiguous(self, memory_format=None) -> bool:
        if self._view is None:
            return True
        shape, strides, _ = self._strided()
        return _views.is_contiguous(shape, strides)

    def contiguous(self, memory_format=None) -> Tensor:
        return self if self.is_contiguous() else self.clone()

    def data_ptr(self) -> int:
        """A stand-in address: equal for tensors that share storage and offset, as in torch."""
        return id(self._storage) * 16 + self.storage_offset() * self.element_size()

    def storage(self):
        """Tensor.storage (deprecated in torch): the TypedStorage of this tensor's storage."""
        from torchax.storage import TypedStorage, _warn_removal

        _warn_removal()
        return TypedStorage(self)

    @property
    def _version(self) -> int:
        """The in-place modification counter, shared with views (torch's version counter)."""
        return self._storage.version

    def untyped_storage(self):
        return _StorageRef(self._storage)

    # --- autograd attributes (the engine lives in torchax.autograd) -------------------------------

    @property
    def grad_fn(self):
        fn = self._grad_fn
        if fn is not None and fn._view_v is not None and fn._view_v != self._storage.version and self._view:
            from torchax.autograd._graph import view_grad_fn  # the view's storage changed: torch regenerates it

            return view_grad_fn(self)
        return fn

    @grad_fn.setter
    def grad_fn(self, fn) -> None:
        self._grad_fn = fn

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag) -> None:
        flag = builtins.bool(flag)
        if self.grad_fn is not None and not flag:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed variable "
                "in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
            )
        if flag and not (self.dtype.is_floating_point or self.dtype.is_complex):
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = flag

    def requires_grad_(self, requires_grad=True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self):
        if self.grad_fn is not None and self._grad is None and not self.retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
                "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
                "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
                "by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
                "for more informations. (Triggered internally at /pytorch/build/aten/src/ATen/core/TensorBody.h:494.)",
                UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if tuple(value.shape) != tuple(self.shape):
                raise RuntimeError("assigned grad has data of a different size")
            if value.dtype is not self.dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Tensor.backward: accumulate d(self)/d(leaf) into every leaf's `.grad`."""
        from torchax import autograd

        autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def register_hook(self, hook):
        """Tensor.register_hook: `hook(grad)` may return a replacement gradient."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        from torchax.autograd import _graph

        node, idx = _graph.edge(self)
        if node._tensor_hooks is None:
            node._tensor_hooks = {}
        hooks = node._tensor_hooks.setdefault(idx, [])
        hooks.append(hook)
        return _graph._Handle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Tensor.register_post_accumulate_grad_hook: `hook(tensor)` runs after backward accumulated its `.grad`."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        from torchax.autograd import _graph

        hooks = _graph.edge(self)[0].post_accumulate_hooks
        hooks.append(hook)
        return _graph._Handle(hooks, hook)

    def retain_grad(self) -> None:
        """Tensor.retain_grad: keep `.grad` for this non-leaf tensor."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        import weakref

        if self.grad_fn._retained is None:
            self.grad_fn._retained = {}
        self.grad_fn._retained[self._out_idx] = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        fn = self.grad_fn
        if fn is None or not fn._retained:
            return False
        ref = fn._retained.get(self._out_idx)
        return ref is not None and ref() is self

    @property
    def output_nr(self) -> int:
        return self._out_idx

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def detach(self) -> Tensor:
        t = self._alias()
        t._base = None  # NOTE: a detached view shares storage but writes through it are invisible to autograd
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> Tensor:
        return self.detach()

    @data.setter
    def data(self, other: Tensor) -> None:
        self._storage, self._view = other._storage, other._view
        self._cache, self._cache_v, self._layout = other._cache, other._cache_v, other._layout

    __hash__ = object.__hash__  # (torch hashes tensors by identity; `==` is elementwise)

    # --- conversions --------------------------------------------------------------------------------

    # --- shape methods whose signature differs from the function ----------------------------------

    def view_as(self, other: Tensor) -> Tensor:
        return self.view(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    def expand_as(self, other: Tensor) -> Tensor:
        return self.expand(other.shape)

    def repeat(self, *sizes) -> Tensor:
        from torchax._ops.shape import repeat

        return repeat(self, _shape_arg(sizes))

    def tile(self, *dims) -> Tensor:
        from torchax._ops.shape import tile

        return tile(self, _shape_arg(dims))

    def flip(self, *dims) -> Tensor:
        from torchax._ops.shape import flip

        return flip(self, _shape_arg(dims))

    @property
    def T(self) -> Tensor:
        from torchax._ops.views import permute

        if self.ndim not in (1, 2):
            warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated "
                          "and it will throw an error in a future release. Consider `x.mT` to transpose batches of "
                          "matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a "
                          "tensor.", UserWarning, stacklevel=2)
        return permute(self, tuple(range(self.ndim))[::-1])

    @property
    def mT(self) -> Tensor:
        _need_matrix(self, "mT")
        return self.transpose(-2, -1)

    @property
    def H(self) -> Tensor:
        if self.ndim not in (0, 2):
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor.")
        t = self.transpose(0, 1) if self.ndim == 2 else self
        return t.conj() if self.is_complex() else t

    @property
    def mH(self) -> Tensor:
        _need_matrix(self, "mH")
        return self.mT.conj() if self.is_complex() else self.mT

    # --- in-place basics ----------------------------------------------------------------------------

    def _inplace(self, result: Tensor, overlap_ok: bool = False,
                 grad_name: str = "torch::autograd::CopyBackwards") -> Tensor:
        """Make `result` (an op's output) this tensor's new value: the tail of every in-place op.

        `grad_name`: the grad_fn torch gives this tensor when the new value does not depend on the graph."""
        value = result._value
        mine = self._value
        if value.shape != mine.shape:
            raise RuntimeError(f"output with shape {list(mine.shape)} doesn't match the broadcast shape "
                               f"{list(value.shape)}")
        if value.dtype != mine.dtype:
            _check_cast(value.dtype, mine.dtype)
            value = value.astype(mine.dtype)
        if self._view is not None and not overlap_ok:  # torch lets fill_ (only) write shared elements
            _check_no_overlap(self)
        grad_mode = _state._local.grad_enabled
        base = self._base if self._view is not None else None
        if grad_mode:
            if self._requires_grad and self.grad_fn is None:
                raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
            if base is not None and base._requires_grad and base.grad_fn is None:
                raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                                   "operation.")
        track = grad_mode and (result._requires_grad or base is not None and base._requires_grad)
        if grad_mode and self._requires_grad and not track:  # overwritten by a constant: zero gradient to the old
            from torchax.autograd import _graph

            _, node = _graph.custom(grad_name, lambda old, new=value: new, [self], values=[mine])
            self.grad_fn, self._out_idx = node, 0
        old_base = self._storage.value if track and base is not None else None
        self._write(value)
        node = result.grad_fn
        if node is not None and node._saved:
            node._inplace_saved(self)
        if track:
            from torchax._dispatch import rebase

            rebase(self, result, base, old_base)
        return self

    def copy_(self, src, non_blocking=False) -> Tensor:
        """Tensor.copy_: broadcast and cast `src` into this tensor."""
        from torchax._ops.creation import _copy_to

        if not isinstance(src, Tensor):
            raise TypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not {type(src).__name__}")
        shape, dtype = tuple(self.shape), self.dtype
        if self._overwrites_graph(src):
            from torchax._ops.creation import _astype, check_broadcast

            check_broadcast(tuple(src.shape), shape)
            return self._overwrite("torch::autograd::CopyBackwards", src,
                                   lambda s: jnp.broadcast_to(_astype(s, dtype), shape))
        return self._inplace(_copy_to(src, shape, dtype, self.device))

    def _overwrites_graph(self, src: Tensor) -> bool:
        """Whether writing `src` over this (non-view) tensor is recorded as one node of both (copy_, fill_)."""
        return self._view is None and (self._requires_grad or src._requires_grad) and _state._local.grad_enabled

    def _overwrite(self, name: str, src: Tensor, fn) -> Tensor:
        """Write `fn(src)` over this tensor as torch's node `name`: edges to the old value (a zero gradient) and
        to `src`."""
        from torchax.autograd import _graph

        new, _ = _graph.custom(name, lambda old, s: fn(s), [self, src], values=[self._value, src._value])
        return self._inplace(new)

    def _set_from(self, result: Tensor) -> None:
        """Write an op's result into this tensor (`out=` and `copy_`), resizing a mismatched non-view."""
        value = result._value
        _check_cast(value.dtype, self._value.dtype)
        value = value.astype(self._value.dtype)
        if value.shape != self._value.shape:
            if self._view is not None:
                raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                                   f"{list(value.shape)}")
            self._layout = None
        self._write(value)


# --- helpers ------------------------------------------------------------------------------------------


class _StorageRef:
    """What `untyped_storage()` returns: identifies the shared storage cell (for `data_ptr` comparisons)."""

    def __init__(self, storage):
        self._s = storage

    def data_ptr(self) -> int:
        return id(self._s) * 16

    def nbytes(self) -> int:
        return self._s.value.size * self._s.value.dtype.itemsize

    def size(self) -> int:
        return self.nbytes()


def _need_matrix(t, name) -> None:
    if t.ndim < 2:
        raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of matrices. Got {t.ndim}-D "
                           "tensor.")


def _check_no_overlap(t: Tensor) -> None:
    shape, strides, _ = t._strided()
    if any(s == 0 and n > 1 for n, s in zip(shape, strides)):
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single memory "
            "location. Please clone() the tensor before performing the operation."
        )


def _cast(value, np_dtype):
    return value.astype(np_dtype)


def _wrap_dim(dim, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _TYPE_NAME(d) -> str:  # noqa: N802 - torch's ScalarType name (Float, Long...) of a torch or numpy dtype
    return _dtype.type_name(d if isinstance(d, _dtype.dtype) else _dtype.from_jax(d))


_can_cast = _dtype.can_cast


def _check_cast(src, dst) -> None:
    src, dst = _dtype.from_jax(src), _dtype.from_jax(dst)
    if not _dtype.can_cast(src, dst):
        raise RuntimeError(f"result type {_dtype.type_name(src)} can't be cast to the desired output type "
                           f"{_dtype.type_name(dst)}")


_registry._hooks["tensor_type"] = _registry.Tensor = Tensor
_registry.wrap = wrap
_fastpath.bind(Tensor, _Storage)
