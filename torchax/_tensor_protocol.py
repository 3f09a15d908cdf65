"""torchax.Tensor's Python protocols: numpy and Python-scalar conversion, `len`/`iter`/`bool`/`in`, `format`,
pickling, `copy.deepcopy` and `repr` (the `torch.Tensor` dunders that are not ops)."""

from __future__ import annotations

import builtins

import jax
import numpy as np

from torchax import _device, _dtype


class _Protocols:
    """The protocol half of `torchax.Tensor` (its base class; the storage, views and ops live in `_tensor.py`)."""

    __slots__ = ()

    def _numpy(self) -> np.ndarray:
        return np.asarray(jax.device_get(self._value))

    def numpy(self, *, force=False) -> np.ndarray:
        """A numpy copy (JAX buffers cannot be shared writable with numpy; see KNOWN_DIFFERENCES)."""
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        _numpy_dtype_check(self)
        return np.array(self._numpy())

    def __array__(self, dtype=None, copy=None):
        _numpy_dtype_check(self)
        a = self._numpy()
        return a if dtype is None else a.astype(dtype)

    def item(self):
        v = self._value
        if v.size != 1:
            raise RuntimeError(f"a Tensor with {v.size} elements cannot be converted to Scalar")
        return _py_scalar(np.asarray(jax.device_get(v)).reshape(()))

    def tolist(self):
        a = self._numpy()
        if a.dtype == _dtype.bfloat16.np:
            a = a.astype(np.float32)
        return a.tolist()

    def __len__(self) -> int:
        if self._value.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._value.shape[0]

    def __iter__(self):
        if self._value.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __reversed__(self):
        """reversed(t): the tensor flipped along dim 0 (a 0-dim tensor is returned as is)."""
        return self if self._value.ndim == 0 else self.flip(0)

    def __bool__(self) -> bool:
        if self._value.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return builtins.bool(self.item())

    def _scalar(self, kind: str):
        if self._value.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        v = self.item()
        if isinstance(v, builtins.complex) and kind != "complex":
            raise RuntimeError(f"value cannot be converted to type {'int64_t' if kind == 'int' else 'double'} "
                               "without overflow")
        return v

    def __int__(self) -> int:
        return builtins.int(self._scalar("int"))

    def __float__(self) -> float:
        return builtins.float(self._scalar("float"))

    def __complex__(self) -> complex:
        return builtins.complex(self._scalar("complex"))

    def __index__(self) -> int:
        if self.dtype.is_floating_point or self.dtype.is_complex or self._value.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __format__(self, spec: str) -> str:
        if self._value.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, protocol):
        d = self.device
        return (_rebuild, (self._numpy(), self.requires_grad) + (() if d.type == "cpu" else (str(d),)))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        from torchax._tensor import wrap

        new = wrap(self._value)
        new.__class__ = type(self)
        new._requires_grad = self._requires_grad
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        user = {k: v for k, v in self.__dict__.items() if k != "_acc"}  # not the autograd engine's grad sink
        if user:
            import copy

            new.__dict__.update(copy.deepcopy(user, memo))
        memo[id(self)] = new
        return new

    def __repr__(self, *, tensor_contents=None) -> str:
        from torchax import _printing

        grad_fn = self.grad_fn
        return _printing.format_tensor(
            self._numpy(),
            dtype_name=self.dtype.name,
            default_float=_dtype.get_default_dtype().name,
            device=str(self.device),
            requires_grad=self.requires_grad,
            grad_fn=None if grad_fn is None else grad_fn.name(),
        )

    __str__ = __repr__

    def __contains__(self, element) -> builtins.bool:
        """`element in tensor`: any element equals it."""
        if not isinstance(element, (_Protocols, builtins.int, builtins.float, builtins.complex, builtins.bool)):
            raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                               f"{type(element)}.")
        return builtins.bool((self == element).any())


def _py_scalar(a: np.ndarray):
    if a.dtype == np.bool_:
        return builtins.bool(a)
    if a.dtype.kind in "iu":
        return builtins.int(a)
    if a.dtype.kind == "c":
        return builtins.complex(a)
    return builtins.float(a)


def _rebuild(array, requires_grad, device=None):
    from torchax._host import from_host  # (these modules build on this one)
    from torchax._tensor import wrap

    # an unpickled array belongs to no one else, so a CPU tensor can take it over
    t = from_host(array) if device is None else wrap(jax.device_put(array, _device.to_jax(device)))
    t._requires_grad = requires_grad
    return t


def _numpy_dtype_check(t) -> None:
    if t.dtype is _dtype.bfloat16:  # numpy has no bfloat16 (torch refuses rather than converting)
        raise TypeError("Got unsupported ScalarType BFloat16")
