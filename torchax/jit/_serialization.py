"""torch.jit.save / torch.jit.load for torchax: a zip of jax.export programs, the state and the module tree.

Layout: `torchax_jit/meta.json` (format, module tree, state entries, program count), `torchax_jit/program_<i>`
(`jax.export.Exported.serialize(vjp_order=1)`: loaded modules stay differentiable) and `torchax_jit/state_<i>`
(raw little-endian bytes of each parameter or buffer). Loading needs neither the Python class nor pickle.
"""

from __future__ import annotations

import json
import os
import zipfile

import jax
import numpy as np

from torchax.jit._annotations import deprecated

_DIR = "torchax_jit"
_FORMAT = "torchax.jit"
_VERSION = 1


def _tree(module) -> dict:
    """The module tree: original class names, training flags, own parameter and buffer names, children."""
    return {
        "original_name": module.original_name if hasattr(module, "original_name") else type(module).__name__,
        "training": module.training,
        "parameters": [[k, p is not None and p.requires_grad] for k, p in module._parameters.items() if p is not None],
        "buffers": [k for k, b in module._buffers.items()
                    if b is not None and k not in module._non_persistent_buffers_set],
        "children": [[k, _tree(m)] for k, m in module._modules.items() if m is not None],
    }


def _write(f, meta: dict, programs: list, state: dict) -> None:
    entries = []
    if isinstance(f, (str, os.PathLike)):
        f = os.fspath(f)
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as z:
        for i, (name, t) in enumerate(state.items()):
            a = np.asarray(jax.device_get(t._value))
            entries.append({"name": name, "dtype": a.dtype.name, "shape": list(a.shape)})
            z.writestr(f"{_DIR}/state_{i}", np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes())
        for i, p in enumerate(programs):
            z.writestr(f"{_DIR}/program_{i}", bytes(p.serialize(vjp_order=1)))
        meta = dict(meta, format=_FORMAT, version=_VERSION, state=entries, programs=len(programs))
        z.writestr(f"{_DIR}/meta.json", json.dumps(meta))


def save_module(module, f) -> None:
    """Write a ScriptModule (its recorded programs, state_dict and module tree) to path or file object `f`."""
    programs = module._programs_for_save()
    _write(f, {"kind": "module", "tree": _tree(module)}, programs, dict(module.state_dict(keep_vars=True)))


def save_function(fn, f) -> None:
    """Write a traced ScriptFunction to path or file object `f`."""
    _write(f, {"kind": "function", "name": fn.name}, fn._programs, {})


def save(m, f, _extra_files=None) -> None:
    """torch.jit.save: `m.save(f)`."""
    deprecated("save", "`torch.export`")
    m.save(f)


def _open(f):
    if isinstance(f, (str, os.PathLike)):
        f = os.fspath(f)
        if not os.path.exists(f):
            raise ValueError(f"The provided filename {f} does not exist")
        if os.path.isdir(f):
            raise ValueError(f"The provided filename {f} is a directory")
    try:
        return zipfile.ZipFile(f, "r")
    except zipfile.BadZipFile:
        raise RuntimeError(f"torchax.jit.load: {getattr(f, 'name', f)} is not a zip archive "
                           "(not written by torch.jit.save / torchax.jit.save, or corrupted)") from None


def _build(tree: dict, state: dict, prefix: str):
    from torchax.jit._script import RecursiveScriptModule
    from torchax.nn.modules.module import Module
    from torchax.nn.parameter import Parameter

    m = RecursiveScriptModule.__new__(RecursiveScriptModule)
    Module.__init__(m)
    m.__dict__["original_name"] = tree["original_name"]
    m.__dict__["training"] = tree["training"]
    for name, requires_grad in tree["parameters"]:
        m.register_parameter(name, Parameter(state[prefix + name], requires_grad=requires_grad))
    for name in tree["buffers"]:
        m.register_buffer(name, state[prefix + name])
    for name, child in tree["children"]:
        m.add_module(name, _build(child, state, prefix + name + "."))
    return m


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    """torch.jit.load of an archive written by torchax.jit.save (TorchScript archives written by torch are refused)."""
    from torchax._tensor import wrap
    from torchax.jit._script import ScriptFunction

    deprecated("load", "`torch.export`")

    with _open(f) as z:
        names = set(z.namelist())
        if f"{_DIR}/meta.json" not in names:
            if any(n.endswith("/constants.pkl") or "/code/" in n for n in names):
                raise RuntimeError("torchax.jit.load cannot read TorchScript archives written by PyTorch (they hold "
                                   "TorchScript code); load archives written by torchax.jit.save, or save a "
                                   "state_dict with torch.save instead")
            raise RuntimeError("torchax.jit.load: not a torch.jit archive (no torchax_jit/meta.json); a checkpoint "
                               "written by torch.save is read with torch.load")
        meta = json.loads(z.read(f"{_DIR}/meta.json"))
        if meta.get("format") != _FORMAT or meta.get("version") != _VERSION:
            raise RuntimeError(f"torchax.jit.load: unsupported archive format {meta.get('format')!r} "
                               f"version {meta.get('version')!r}")
        state = {}
        for i, e in enumerate(meta["state"]):
            dtype = np.dtype(jax.numpy.dtype(e["dtype"])).newbyteorder("<")
            a = np.frombuffer(z.read(f"{_DIR}/state_{i}"), dtype=dtype).reshape(e["shape"])
            state[e["name"]] = wrap(jax.numpy.asarray(a))
        programs = [jax.export.deserialize(bytearray(z.read(f"{_DIR}/program_{i}"))) for i in range(meta["programs"])]
    if meta["kind"] == "function":
        return ScriptFunction(None, programs, meta["name"])
    module = _build(meta["tree"], state, "")
    module.__dict__["_programs"] = programs
    return module
