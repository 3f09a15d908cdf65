"""Tensor-level ops the OpInfo sweep found missing: torch.zero_, Tensor.resize_/resize_as_, view_as_complex."""

from __future__ import annotations

import math

from jax import lax

from torchax._registry import TorchRuntimeError, composite, op
from torchax._tensor import _shape_arg

__all__ = ["zero_", "resize_as_", "view_as_complex"]


def zero_(input):
    """torch.zero_ (the function form of Tensor.zero_)."""
    return input.zero_()


@composite(function=False)
def resize_(self, *sizes, memory_format=None):
    """Tensor.resize_: the tensor takes the new shape, keeping its first elements in row-major order; elements
    beyond the old size are zeros here (uninitialised memory in torch)."""
    from torchax._ops.creation import zeros
    from torchax._ops.shape import cat

    shape = tuple(_shape_arg(sizes))
    if any(s < 0 for s in shape):
        raise TorchRuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    if self.requires_grad:
        raise TorchRuntimeError("cannot resize variables that require grad")
    if tuple(self.shape) == shape:
        return self
    n = math.prod(shape)
    flat = self.detach().reshape(-1)
    if n <= flat.numel():
        new = flat[:n]
    else:
        new = cat([flat, zeros(n - flat.numel(), dtype=self.dtype, device=self.device)])
    self._set_from(new.reshape(shape))
    return self


@composite()
def resize_as_(input, the_template, *, memory_format=None):
    """torch.resize_as_: resize_ to the template's shape."""
    return resize_(input, tuple(the_template.shape), memory_format=memory_format)


@op(method=False, grad_name="ViewAsComplexBackward0")
def _view_as_complex(input):
    return lax.complex(input[..., 0], input[..., 1])


@composite(method=False)
def view_as_complex(input):
    """torch.view_as_complex: a (..., 2) float tensor as complex numbers (a copy here, as view_as_real)."""
    if input.dtype.is_complex or not input.dtype.is_floating_point or input.dtype.itemsize < 4:
        raise TorchRuntimeError(f"view_as_complex is only supported for float and double tensors, but got a tensor "
                                f"of scalar type: {_scalar_name(input.dtype)}")
    if input.ndim == 0:
        raise TorchRuntimeError("Input tensor must have one or more dimensions")
    if input.shape[-1] != 2:
        raise TorchRuntimeError("Tensor must have a last dimension of size 2")
    return _view_as_complex(input)


def _scalar_name(dt) -> str:
    names = {"float16": "Half", "bfloat16": "BFloat16", "int64": "Long", "int32": "Int", "int16": "Short",
             "int8": "Char", "uint8": "Byte", "bool": "Bool",
             "complex64": "ComplexFloat", "complex128": "ComplexDouble"}
    return names.get(str(dt).replace("torch.", ""), str(dt))



