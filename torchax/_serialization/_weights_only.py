"""The weights-only unpickler: an allow-list interpreter of the pickle opcodes torch's checkpoints use.

Same contract as torch's `torch._weights_only_unpickler`: GLOBAL resolves only names on torch's allow-list (mapped
to torchax objects) or added with `add_safe_globals`; modules `os`, `sys`, `posix`, `nt` are refused even when
allow-listed; REDUCE/NEWOBJ call only allow-listed callables; BUILD, APPEND and SETITEM act only on the types
torch permits; persistent ids must name storages. Any other opcode is refused. Nothing from the file is imported
or called before it has been checked, so a malicious checkpoint raises `pickle.UnpicklingError` and runs nothing.
"""

from __future__ import annotations

import _compat_pickle
import collections
import pickle
import warnings
from pickle import UnpicklingError
from struct import error as StructError, unpack

from torchax._serialization import _names

_BLOCKED_MODULES = ("sys", "os", "posix", "nt")
_SAFE: set = set()  # the user's allow-list: objects or (object, "module.name") pairs

(_GLOBAL, _NEWOBJ, _REDUCE, _BUILD, _APPEND, _APPENDS, _SETITEM, _SETITEMS, _MARK, _TUPLE, _TUPLE1, _TUPLE2, _TUPLE3,
 _BININT, _BININT1, _BININT2, _BINFLOAT, _BINUNICODE, _SHORT_BINSTRING, _BINPERSID, _BINGET, _LONG_BINGET, _BINPUT,
 _LONG_BINPUT, _LONG1, _PROTO, _STOP) = (
    op[0] for op in (pickle.GLOBAL, pickle.NEWOBJ, pickle.REDUCE, pickle.BUILD, pickle.APPEND, pickle.APPENDS,
                     pickle.SETITEM, pickle.SETITEMS, pickle.MARK, pickle.TUPLE, pickle.TUPLE1, pickle.TUPLE2,
                     pickle.TUPLE3, pickle.BININT, pickle.BININT1, pickle.BININT2, pickle.BINFLOAT, pickle.BINUNICODE,
                     pickle.SHORT_BINSTRING, pickle.BINPERSID, pickle.BINGET, pickle.LONG_BINGET, pickle.BINPUT,
                     pickle.LONG_BINPUT, pickle.LONG1, pickle.PROTO, pickle.STOP))


# --- the user's allow-list (torch.serialization.add_safe_globals & co) ----------------------------------------


def add_safe_globals(safe_globals) -> None:
    """torch.serialization.add_safe_globals: allow these globals in weights-only loads."""
    global _SAFE
    _SAFE = _SAFE.union(set(safe_globals))


def get_safe_globals() -> list:
    """torch.serialization.get_safe_globals."""
    return list(_SAFE)


def clear_safe_globals() -> None:
    """torch.serialization.clear_safe_globals."""
    global _SAFE
    _SAFE = set()


def remove_safe_globals(safe_globals) -> None:
    global _SAFE
    _SAFE = _SAFE - set(safe_globals)


class _safe_globals:  # noqa: N801 - torch's name
    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc):
        remove_safe_globals(self.safe_globals)


def user_globals() -> dict[str, object]:
    """{"module.name": object} of the user's allow-list; torchax objects also under their torch names."""
    rc: dict[str, object] = {}
    for f in _SAFE:
        if isinstance(f, tuple):
            if len(f) != 2:
                raise ValueError(f"Expected tuple of length 2 (global, str of callable full path), but got tuple of "
                                 f"length: {len(f)}")
            if type(f[1]) is not str:
                raise TypeError(f"Expected second item in tuple to be str of callable full path, but got: "
                                f"{type(f[1])}")
            rc[f[1]] = f[0]
            continue
        rc[f"{f.__module__}.{f.__qualname__}"] = f
        ref = _names.torch_name(f)
        if ref is not None:
            rc[f"{ref[0]}.{ref[1]}"] = f
    return rc


# --- the interpreter ---------------------------------------------------------------------------------------------


def _read_global(readline) -> tuple[str, str]:
    module = readline()[:-1].decode("utf-8")
    name = readline()[:-1].decode("utf-8")
    if (module, name) in _compat_pickle.NAME_MAPPING:  # Python 2 names, as torch maps them
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    return module, name


def _unsupported_global(full_path: str) -> UnpicklingError:
    if full_path.startswith("builtins"):  # torch reports builtins.eval as `eval`
        rest = full_path[len("builtins"):]
        full_path = rest[1:] if rest[:1] == "." else "builtins" + rest
    return UnpicklingError(
        f"Unsupported global: GLOBAL {full_path} was not an allowed global by default. Please use "
        f"`torch.serialization.add_safe_globals([{full_path}])` or the "
        f"`torch.serialization.safe_globals([{full_path}])` context manager to allowlist this global if you trust "
        "this class/function.")


class Unpickler:
    """torch's weights-only Unpickler over torchax objects; `persistent_load(pid)` turns storage ids into storages."""

    def __init__(self, file, *, encoding: str = "bytes", persistent_load=None):
        self.read, self.readline = file.read, file.readline
        self.encoding = encoding
        self.persistent_load = persistent_load or self._no_persistent_load
        self.memo: dict[int, object] = {}
        self.proto = -1

    @staticmethod
    def _no_persistent_load(pid):
        raise UnpicklingError("unsupported persistent id encountered")

    def load(self):
        from torchax._tensor import Tensor
        from torchax.nn.parameter import Parameter

        self._Parameter, self._Tensor = Parameter, Tensor
        self.allowed = _names.torch_globals()
        self.user = user_globals()
        self._callable = {id(v) for v in self.allowed.values()} | {id(v) for v in self.user.values()}
        self.metastack: list = []
        self.stack: list = []
        try:
            return self._run()
        except (IndexError, KeyError, StructError) as e:
            raise UnpicklingError(f"the pickle is truncated or corrupted ({type(e).__name__}: {e})") from None

    def _pop_mark(self) -> list:
        items = self.stack
        self.stack = self.metastack.pop()
        return items

    def _run(self):  # noqa: C901 - one branch per opcode, as pickle's own loop; the common ones first
        read, memo = self.read, self.memo
        while True:
            key = read(1)
            if not key:
                raise EOFError
            op = key[0]
            stack = self.stack
            if op == _BINPUT or op == _LONG_BINPUT:
                memo[read(1)[0] if op == _BINPUT else unpack("<I", read(4))[0]] = stack[-1]
            elif op == _BINGET or op == _LONG_BINGET:
                idx = read(1)[0] if op == _BINGET else unpack("<I", read(4))[0]
                if idx not in memo:
                    raise UnpicklingError(f"Memo value not found at index {idx}")
                stack.append(memo[idx])
            elif op == _MARK:
                self.metastack.append(stack)
                self.stack = []
            elif op == _BINUNICODE:
                n = unpack("<I", read(4))[0]
                data = read(n)
                if len(data) != n:
                    raise UnpicklingError("pickle data was truncated")
                stack.append(str(data, "utf-8", "surrogatepass"))
            elif op == _BININT1:
                stack.append(read(1)[0])
            elif op == _BININT:
                stack.append(unpack("<i", read(4))[0])
            elif op == _BININT2:
                stack.append(unpack("<H", read(2))[0])
            elif op == _TUPLE:
                items = self._pop_mark()
                self.stack.append(tuple(items))
            elif op == _TUPLE1:
                stack[-1] = (stack[-1],)
            elif op == _TUPLE2:
                stack[-2:] = [(stack[-2], stack[-1])]
            elif op == _TUPLE3:
                stack[-3:] = [(stack[-3], stack[-2], stack[-1])]
            elif op in _CONSTANTS:
                stack.append(_CONSTANTS[op]())
            elif op == _REDUCE:
                args, func = stack.pop(), stack[-1]
                if id(func) not in self._callable:
                    msg = f"Trying to call reduce for unrecognized function {func}"
                    if hasattr(func, "__self__"):
                        msg += f" which belongs to {func.__self__}"
                    raise UnpicklingError(msg)
                stack[-1] = func(*args)
            elif op == _BINPERSID:
                pid = stack.pop()
                if type(pid) is not tuple and type(pid) is not int:
                    raise UnpicklingError(f"persistent_load id must be tuple or int, but got {type(pid)}")
                if type(pid) is tuple and pid and _ascii(pid[0]) != "storage":
                    raise UnpicklingError(f"Only persistent_load of storage is allowed, but got {type(pid[0])}")
                stack.append(self.persistent_load(pid))
            elif op == _SETITEMS:
                items = self._pop_mark()
                self._check_dict("SETITEMS")
                target = self.stack[-1]
                for i in range(0, len(items), 2):
                    target[items[i]] = items[i + 1]
            elif op == _SETITEM:
                v, k = stack.pop(), stack.pop()
                self._check_dict("SETITEM")
                stack[-1][k] = v
            elif op == _APPENDS:
                items = self._pop_mark()
                if type(self.stack[-1]) is not list:
                    raise UnpicklingError(f"Can only extend lists, but got {type(self.stack[-1])}")
                self.stack[-1].extend(items)
            elif op == _APPEND:
                item = stack.pop()
                if type(stack[-1]) is not list:
                    raise UnpicklingError(f"Can only append to lists, but got {type(stack[-1])}")
                stack[-1].append(item)
            elif op == _GLOBAL:
                stack.append(self._global())
            elif op == _NEWOBJ:
                args, cls = stack.pop(), stack.pop()
                if cls is self._Parameter:
                    stack.append(self._Parameter(*args))
                elif id(cls) in self._callable and isinstance(cls, type):
                    stack.append(cls.__new__(cls, *args))
                else:
                    raise UnpicklingError("Can only create new object for nn.Parameter or classes allowlisted via "
                                          f"`add_safe_globals` but got {cls}")
            elif op == _BUILD:
                state = stack.pop()
                self._build(stack[-1], state)
            elif op == _BINFLOAT:
                stack.append(unpack(">d", read(8))[0])
            elif op == _SHORT_BINSTRING:
                data = read(read(1)[0])
                stack.append(data if self.encoding == "bytes" else data.decode(self.encoding, "strict"))
            elif op == _LONG1:
                stack.append(pickle.decode_long(read(read(1)[0])))
            elif op == _PROTO:
                self.proto = read(1)[0]
                if self.proto != 2:
                    warnings.warn(
                        f"Detected pickle protocol {self.proto} in the checkpoint, which was not the default pickle "
                        "protocol used by `torch.load` (2). The weights_only Unpickler might not support all "
                        "instructions implemented by this protocol, please file an issue for adding support if you "
                        "encounter this.", stacklevel=4)
            elif op == _STOP:
                return stack.pop()
            else:
                raise UnpicklingError(f"Unsupported operand {op}")

    def _global(self):
        module, name = _read_global(self.readline)
        full = f"{module}.{name}"
        if module in _BLOCKED_MODULES:
            raise UnpicklingError(f"Trying to load unsupported GLOBAL {full} whose module {module} is blocked.")
        if full in self.allowed:
            return self.allowed[full]
        if full in self.user:
            return self.user[full]
        raise _unsupported_global(full)

    def _build(self, inst, state) -> None:
        t = type(inst)
        if t is self._Parameter or t is self._Tensor:
            _tensor_setstate(inst, state)
        elif t is collections.OrderedDict:
            inst.__dict__.update(state)
        elif id(t) in self._callable:
            if hasattr(inst, "__setstate__"):
                inst.__setstate__(state)
                return
            slotstate = None
            if isinstance(state, tuple) and len(state) == 2:
                state, slotstate = state
            if state:
                inst.__dict__.update(state)
            if slotstate:
                for k, v in slotstate.items():
                    setattr(inst, k, v)
        else:
            raise UnpicklingError("Can only build Tensor, Parameter, OrderedDict or types allowlisted via "
                                  f"`add_safe_globals`, but got {t}")

    def _check_dict(self, opcode: str) -> None:
        if type(self.stack[-1]) not in (dict, collections.OrderedDict, collections.Counter):
            raise UnpicklingError(f"Can only {opcode} for dict, collections.OrderedDict, collections.Counter, but "
                                  f"got {type(self.stack[-1])}")


_CONSTANTS = {
    pickle.NONE[0]: lambda: None, pickle.NEWFALSE[0]: lambda: False, pickle.NEWTRUE[0]: lambda: True,
    pickle.EMPTY_TUPLE[0]: tuple, pickle.EMPTY_LIST[0]: list, pickle.EMPTY_DICT[0]: dict, pickle.EMPTY_SET[0]: set,
}


def _ascii(s):
    return s.decode("ascii") if isinstance(s, bytes) else s


def _tensor_setstate(inst, state) -> None:
    """Tensor.__setstate__ for legacy pickles: (requires_grad, _, backward_hooks)."""
    if not isinstance(state, tuple) or len(state) not in (3, 5):
        raise UnpicklingError("unsupported legacy Tensor state in the checkpoint")
    if len(state) == 5:
        inst.data = state[0]
        state = (state[3], state[4], state[2])
    inst.requires_grad = state[0]


def load(file, *, encoding: str = "ASCII", persistent_load=None):
    """Read one pickle from `file` with the weights-only rules."""
    return Unpickler(file, encoding=encoding, persistent_load=persistent_load).load()


def globals_in_pickle(data: bytes) -> set[str]:
    """torch's get_globals_in_pkl: the GLOBAL names a pickle refers to, found without loading it."""
    import pickletools

    out = set()
    try:
        for opcode, arg, _ in pickletools.genops(data):
            if opcode.name == "GLOBAL":
                module, name = arg.split(" ", 1)
                if (module, name) in _compat_pickle.NAME_MAPPING:
                    module, name = _compat_pickle.NAME_MAPPING[(module, name)]
                elif module in _compat_pickle.IMPORT_MAPPING:
                    module = _compat_pickle.IMPORT_MAPPING[module]
                out.add(f"{module}.{name}")
            elif opcode.name == "STOP":
                break
    except ValueError as e:
        raise UnpicklingError(f"corrupted pickle: {e}") from None
    return out
