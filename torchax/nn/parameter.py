"""torch.nn.Parameter, Buffer, UninitializedParameter, UninitializedBuffer."""

from __future__ import annotations

from collections import OrderedDict

from torchax._tensor import Tensor

__all__ = ["Parameter", "UninitializedParameter", "is_lazy", "Buffer", "UninitializedBuffer",
           "UninitializedTensorMixin"]


def _empty(device=None, dtype=None) -> Tensor:
    from torchax._ops.creation import empty

    return empty(0, device=device, dtype=dtype)


def _make_subclass(cls, data: Tensor, requires_grad) -> Tensor:
    """torch.Tensor._make_subclass: a leaf of class `cls` sharing `data`'s storage."""
    if requires_grad and not (data.dtype.is_floating_point or data.dtype.is_complex):
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    t = data._alias(cls)
    t._base = None
    t.requires_grad = requires_grad
    return t


_ENGINE_FIELDS = {"_acc"}  # per-instance fields the autograd engine caches on a tensor (a leaf's AccumulateGrad)


class Parameter(Tensor):
    """torch.nn.Parameter: a leaf Tensor that a Module registers as a parameter; shares storage with `data`."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = _empty()
        return _make_subclass(cls, data, requires_grad)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        # NOTE: the instance dict also holds Tensor's own fields (_cache, grad_fn...): only user attributes travel
        state = {k: v for k, v in self.__dict__.items() if not hasattr(Tensor, k) and k not in _ENGINE_FIELDS}
        if not state:
            return _rebuild_parameter, (self.data, self.requires_grad, OrderedDict())
        return _rebuild_parameter_with_state, (self.data, self.requires_grad, OrderedDict(), state)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    p = Parameter(data, requires_grad)
    p.__dict__.update(state)
    return p


class UninitializedTensorMixin:
    """torch.nn.parameter.UninitializedTensorMixin: a placeholder whose shape is set by `materialize`."""

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the tensor storage of `shape` and turn it into `cls_to_become`."""
        from torchax._ops.creation import empty

        data = self.data
        device = data.device if device is None else device
        dtype = data.dtype if dtype is None else dtype
        self.data = empty(shape, device=device, dtype=dtype)
        self.__class__ = self.cls_to_become

    # NOTE: torch lets only metadata, conversions and copy_ through; any other use of the (empty) value raises
    @property
    def _value(self):
        from torchax._registry import TorchValueError  # passes through the dispatcher unchanged

        raise TorchValueError(
            "Attempted to use an uninitialized parameter in an operation. This error happens when you are using a "
            "`LazyModule` or explicitly manipulating `torch.nn.parameter."
            f"{type(self).__name__}` objects. When using LazyModules Call `forward` with a dummy batch to initialize "
            "the parameters before calling torch functions")

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self):
        return self.data.device

    def size(self, dim=None):
        return self.data.size(dim)

    def to(self, *args, **kwargs):
        return self.data.to(*args, **kwargs)

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
            "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
            "`forward` to initialize the parameters before accessing their attributes.")

    def share_memory_(self):
        raise RuntimeError(
            "Can't share memory on an uninitialized parameter or buffer. Call `forward` to initialize the "
            "parameters before calling `module.share_memory()`.")

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}>"

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return self.__class__, (self.requires_grad,)


def is_lazy(param) -> bool:
    """torch.nn.parameter.is_lazy: is `param` an UninitializedParameter or UninitializedBuffer."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """torch.nn.UninitializedParameter: a Parameter of unknown shape (lazy modules)."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        return _make_subclass(cls, _empty(device, dtype), requires_grad)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        data = self.data
        result = type(self)(self.requires_grad, data.device, data.dtype)
        memo[id(self)] = result
        return result


class _BufferMeta(type):
    # NOTE: Buffer(t) returns a plain Tensor marked `_is_buffer`; isinstance(t, Buffer) checks the mark, as in torch
    def __instancecheck__(cls, instance) -> bool:
        if cls is Buffer and isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False):
            return True
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """torch.nn.Buffer: marks a Tensor to be registered as a buffer when assigned to a Module attribute."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = _empty()
        t = data.detach().requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """torch.nn.UninitializedBuffer: a buffer of unknown shape (lazy modules)."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        t = _make_subclass(cls, _empty(device, dtype), requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t
