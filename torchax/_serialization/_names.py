"""torch's global names <-> torchax objects, both directions.

Saving: a checkpoint must name torch's functions and classes (`torch._utils._rebuild_tensor_v2`, `torch.Size`,
`torch.nn.modules.linear.Linear`...), so torchax objects are written under torch's names: the explicit table for
the few that live elsewhere in torchax, `torchax.<path>` -> `torch.<path>` for the rest (torchax mirrors torch's
module layout). Loading maps them back: `TORCH_GLOBALS` holds the names a weights-only load may resolve (torch's
allow-list), `resolve` adds the mirror rule for full (unsafe) loads.
"""

from __future__ import annotations

import _codecs
import collections
import functools
import importlib

from torchax import _dtype

# torch's legacy typed-storage class names (what `torch.save` writes for each dtype)
STORAGE_NAMES = {
    "DoubleStorage": _dtype.float64, "FloatStorage": _dtype.float32, "HalfStorage": _dtype.float16,
    "LongStorage": _dtype.int64, "IntStorage": _dtype.int32, "ShortStorage": _dtype.int16,
    "CharStorage": _dtype.int8, "ByteStorage": _dtype.uint8, "BoolStorage": _dtype.bool,
    "BFloat16Storage": _dtype.bfloat16, "ComplexDoubleStorage": _dtype.complex128,
    "ComplexFloatStorage": _dtype.complex64,
}
STORAGE_OF = {d: n for n, d in STORAGE_NAMES.items()}
# dtypes torch writes with `_rebuild_tensor_v3` and an untyped storage (no legacy storage class)
V3_DTYPES = (_dtype.uint16, _dtype.uint32, _dtype.uint64)
# names torch's weights-only loader accepts that have no torchax counterpart (loading them raises)
_TORCH_ONLY = (
    [f"torch.{n}" for n in ("float8_e5m2", "float8_e4m3fn", "float8_e5m2fnuz", "float8_e4m3fnuz", "float8_e8m0fnu",
                            "float4_e2m1fn_x2", "bits8", "bits16", "bits1x8", "bits2x4", "bits4x2", "complex32",
                            "qint8", "qint32", "quint8", "quint4x2", "quint2x4", "per_tensor_affine",
                            "per_tensor_symmetric", "per_channel_affine", "per_channel_symmetric",
                            "per_channel_affine_float_qparams")]
    + [f"torch.uint{i}" for i in range(1, 8)] + [f"torch.int{i}" for i in range(1, 8)]
    + [f"torch.{n}Storage" for n in ("QInt8", "QInt32", "QUInt8", "QUInt4x2", "QUInt2x4")]
    + ["torch.storage.TypedStorage"]
    + [f"torch._utils.{n}" for n in ("_rebuild_qtensor", "_rebuild_sparse_tensor", "_rebuild_nested_tensor",
                                     "_rebuild_wrapper_subclass", "_rebuild_device_tensor_from_numpy",
                                     "_rebuild_meta_tensor_no_storage")]
)


class Global:
    """A torch global written by name (`GLOBAL 'torch._utils _rebuild_tensor_v2'`) without importing torch."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __call__(self, *args, **kwargs):
        raise RuntimeError(f"{self.module}.{self.name} is a name written into checkpoints, not callable in torchax")

    def __repr__(self) -> str:
        return f"{self.module}.{self.name}"


class Unsupported:
    """A torch global that a checkpoint may name but torchax cannot build: using it raises."""

    def __init__(self, full_name: str):
        self.full_name = full_name

    def __call__(self, *args, **kwargs):
        raise RuntimeError(f"torchax cannot load {self.full_name}: torchax has no equivalent (quantized, sparse, "
                           "nested, meta and 8-bit float tensors are not supported)")

    def __repr__(self) -> str:
        return f"<unsupported {self.full_name}>"


REBUILD_V2 = Global("torch._utils", "_rebuild_tensor_v2")
REBUILD_V3 = Global("torch._utils", "_rebuild_tensor_v3")
REBUILD_PARAM = Global("torch._utils", "_rebuild_parameter")
REBUILD_PARAM_STATE = Global("torch._utils", "_rebuild_parameter_with_state")
REBUILD_FROM_TYPE = Global("torch._tensor", "_rebuild_from_type_v2")
UNTYPED_STORAGE = Global("torch.storage", "UntypedStorage")
STORAGE_GLOBALS = {d: Global("torch", n) for d, n in STORAGE_OF.items()}


@functools.cache
def _save_table() -> dict[int, tuple[str, str]]:
    from torchax._device import device
    from torchax._tensor import Size, Tensor
    from torchax.nn import MultiheadAttention

    return {id(Tensor): ("torch", "Tensor"), id(Size): ("torch", "Size"), id(device): ("torch", "device"),
            id(MultiheadAttention): ("torch.nn.modules.activation", "MultiheadAttention")}


# where torch's functions live for pickle (torchax's are spread over theme files and the op registry)
_FUNCTION_HOMES = ("torchax.nn.functional", "torchax.nn.init", "torchax.linalg", "torchax.fft", "torchax.special",
                   "torchax")


def _public_home(obj) -> str | None:
    import sys

    name = getattr(obj, "__name__", None)
    for home in _FUNCTION_HOMES:
        mod = sys.modules.get(home)
        if mod is not None and name and getattr(mod, name, None) is obj:
            return home
    return None


def torch_name(obj, name=None) -> tuple[str, str] | None:
    """(module, qualname) under which torch knows `obj`, or None when it is not a torchax object."""
    if type(obj) is Global:
        return obj.module, obj.name
    if type(obj) is _dtype.dtype:
        return "torch", obj.name
    ref = _save_table().get(id(obj))
    if ref is not None:
        return ref
    module = getattr(obj, "__module__", None)
    if not (isinstance(module, str) and (module == "torchax" or module.startswith("torchax."))):
        return None
    if not isinstance(obj, type):  # a function: named where torch's public API has it (torch.nn.functional.relu)
        module = _public_home(obj) or module
    return "torch" + module[len("torchax"):], name or obj.__qualname__


@functools.cache
def torch_globals() -> dict[str, object]:
    """torch's weights-only allow-list, each name mapped to the torchax object it loads as."""
    import torchax
    from torchax._serialization import _rebuild
    from torchax.nn.parameter import Parameter

    rc: dict[str, object] = {
        "collections.OrderedDict": collections.OrderedDict,
        "collections.Counter": collections.Counter,
        "torch.nn.parameter.Parameter": Parameter,
        "torch.serialization._get_layout": _rebuild.get_layout,
        "torch.Size": torchax.Size,
        "torch.Tensor": torchax.Tensor,
        "torch.device": torchax.device,
        "_codecs.encode": _codecs.encode,
        "builtins.bytearray": bytearray,
        "builtins.set": set,
        "builtins.complex": complex,
        "torch._utils._rebuild_tensor": _rebuild.rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": _rebuild.rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": _rebuild.rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": _rebuild.rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild.rebuild_parameter_with_state,
        "torch._utils._rebuild_device_tensor_from_cpu_tensor": _rebuild.rebuild_device_tensor_from_cpu_tensor,
        "torch._tensor._rebuild_from_type_v2": _rebuild.rebuild_from_type_v2,
        "torch.storage.UntypedStorage": _rebuild.UNTYPED,
    }
    for d in _dtype.ALL:
        rc[f"torch.{d.name}"] = d
    for name, d in STORAGE_NAMES.items():
        rc[f"torch.{name}"] = _rebuild.StorageType(d)
    for name in ("Double", "Float", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte", "Bool"):
        cls = getattr(torchax, f"{name}Tensor", None)
        if cls is not None:
            rc[f"torch.{name}Tensor"] = cls
    for full in _TORCH_ONLY:
        rc.setdefault(full, Unsupported(full))
    return rc


def storage_type(name: str):
    """What a `...Storage` global loads as in a full load (torch accepts any module, as its legacy files vary)."""
    from torchax._serialization import _rebuild

    if name == "UntypedStorage":
        return _rebuild.UNTYPED
    d = STORAGE_NAMES.get(name)
    return None if d is None else _rebuild.StorageType(d)


def resolve(module: str, name: str):
    """The object a full (`weights_only=False`) load gives for `GLOBAL module name`, torch's names mapped."""
    full = f"{module}.{name}"
    known = torch_globals().get(full)
    if known is not None:
        return known
    if module == "torch" or module.startswith("torch."):
        if "Storage" in name:
            st = storage_type(name)
            if st is not None:
                return st
        obj = _find_in_torchax(module, name)
        if obj is None:
            raise AttributeError(f"the checkpoint names {full}, which torchax does not have (looked for "
                                 f"torchax{module[len('torch'):]}.{name} and its parent modules)")
        return obj
    return None


def _find_in_torchax(module: str, name: str):
    """torchax's object for torch's `module.name`: the mirrored module first, then its parents, then the public
    namespaces (torchax's files are split differently: torch.nn.modules.activation.MultiheadAttention,
    torch._C._nn.gelu)."""
    parts = ("torchax" + module[len("torch"):]).split(".")
    candidates = [".".join(parts[:i]) for i in range(len(parts), 0, -1)] + list(_FUNCTION_HOMES)
    for target in candidates:
        try:
            obj = importlib.import_module(target)
            for part in name.split("."):
                obj = getattr(obj, part)
        except (ImportError, AttributeError):
            continue
        return obj
    return None
