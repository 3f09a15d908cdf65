"""torch.jit.script / torch.jit.trace: modules and functions recorded as jax.export programs."""

from __future__ import annotations

import jax

from torchax.jit import _trace
from torchax.jit._annotations import deprecated
from torchax.nn.modules.module import Module

__all__ = ["ScriptModule", "RecursiveScriptModule", "TracedModule", "TopLevelTracedModule", "ScriptFunction",
           "script", "trace", "trace_module"]


def _run_program(programs, nparams: int, state: dict, args: tuple, name: str):
    """Call the first recorded program whose input shapes fit `args`, differentiably (jax.vjp of the program)."""
    from torchax.interop import from_jax

    arrays = _trace._to_arrays(args)
    for prog in programs:
        if _trace.matches(prog, nparams, arrays):
            return from_jax(prog.call, name="ScriptModuleBackward")(state, *args)
    got = [tuple(x.shape) for x in jax.tree.leaves(arrays)]
    expected = [[str(tuple(a.shape)) + " " + str(a.dtype) for a in p.in_avals[nparams:]] for p in programs]
    raise RuntimeError(f"{name}: the recorded program expects inputs of shapes {expected}, got {got}")


def _program_text(programs) -> str:
    return "\n".join(p.mlir_module() for p in programs)


class ScriptModule(Module):
    """torch.jit.ScriptModule: a module whose forward is (or, once saved, becomes) a recorded JAX program.

    `graph` and `code` are the StableHLO text of the recorded program(s), not TorchScript IR.
    """

    original_name = "ScriptModule"

    def _state(self) -> dict:
        return dict(self.state_dict(keep_vars=True))

    def extra_repr(self) -> str:
        return f"original_name={self.original_name}"

    def _programs_for_save(self) -> list:
        programs = self.__dict__.get("_programs")
        if programs:
            return programs
        raise RuntimeError(f"{self.original_name} has no recorded program to save: save the top-level module")

    @property
    def graph(self) -> str:
        return _program_text(self._programs_for_save())

    @property
    def code(self) -> str:
        return self.graph

    def save(self, f, _extra_files=None) -> None:
        """ScriptModule.save: a torchax.jit archive (zip of jax.export programs, state and module tree)."""
        from torchax.jit._serialization import save_module

        save_module(self, f)

    def forward(self, *args, **kwargs):
        programs = self.__dict__.get("_programs")
        if programs:
            if kwargs:
                raise RuntimeError(f"{self.original_name}.forward: a recorded program takes positional inputs only")
            state = self._state()
            return _run_program(programs, len(jax.tree.leaves(state)), state, args, self.original_name)
        original = self.__dict__.get("_original")
        if original is None:
            raise RuntimeError(f"{self.original_name} has no forward method")
        # NOTE: like torch's, a script module has its own training flags; the original runs with them
        pairs = [(w.__dict__.get("_original"), w.training) for w in self.modules()]
        saved = [(m, m.training) for m, _ in pairs if m is not None]
        try:
            for m, mode in pairs:
                if m is not None:
                    m.training = mode
            return original(*args, **kwargs)
        finally:
            for m, mode in saved:
                m.training = mode

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            original = self.__dict__.get("_original")
            if original is None:
                raise
            return getattr(original, name)


class RecursiveScriptModule(ScriptModule):
    """torch.jit._script.RecursiveScriptModule: what torch.jit.script and torch.jit.load return.

    A scripted module runs its Python forward (torchax cannot compile Python source without inputs); it records
    the input shapes of its calls, and `save` exports one program per recorded signature.
    """

    def _get_name(self) -> str:
        return "RecursiveScriptModule"

    def forward(self, *args, **kwargs):
        if self.__dict__.get("_original") is not None and not self.__dict__.get("_programs"):
            signature = tuple(jax.ShapeDtypeStruct(a.shape, a.dtype) for a in _trace._to_arrays(args))
            seen = self.__dict__.setdefault("_signatures", [])
            if not kwargs and signature not in seen:
                seen.append(signature)
        return super().forward(*args, **kwargs)

    def _programs_for_save(self) -> list:
        if self.__dict__.get("_programs") or self.__dict__.get("_original") is None:
            return super()._programs_for_save()
        examples = list(self.__dict__.get("_signatures", ())) or [_inferred_example(self._original)]
        return [_trace.export(self._original, tuple(ex)) for ex in examples]


class TracedModule(ScriptModule):
    """torch.jit._trace.TracedModule: a submodule of a traced module (named after its original class)."""

    def _get_name(self) -> str:
        return self.original_name


class TopLevelTracedModule(TracedModule):
    """torch.jit._trace.TopLevelTracedModule: what torch.jit.trace returns for a module."""


def _wrap(module: Module, cls) -> ScriptModule:
    """A `cls` view of `module`: the same parameter and buffer objects, children wrapped alike."""
    if isinstance(module, ScriptModule):
        return module
    w = cls.__new__(cls)
    Module.__init__(w)
    d = w.__dict__
    d["training"] = module.training
    d["_parameters"] = module._parameters
    d["_buffers"] = module._buffers
    d["_non_persistent_buffers_set"] = module._non_persistent_buffers_set
    d["original_name"] = type(module).__name__
    d["_original"] = module
    child_cls = TracedModule if issubclass(cls, TracedModule) else cls
    d["_modules"] = {k: None if m is None else _wrap(m, child_cls) for k, m in module._modules.items()}
    return w


def _inferred_example(module: Module) -> tuple:
    """An example input for a scripted module never called before `save`: its first Linear's (batch, in_features)."""
    for m in module.modules():
        weight = getattr(m, "weight", None)
        if type(m).__name__ == "Linear" and weight is not None:
            return (jax.ShapeDtypeStruct((1, m.in_features), weight._value.dtype),)
    raise RuntimeError(f"torchax.jit.script: cannot save {type(module).__name__} before it has been called once: "
                       "torchax records the program from the shapes of a call (or use torch.jit.trace)")


class ScriptFunction:
    """torch.jit.ScriptFunction: a scripted (run as Python) or traced (a recorded program) function."""

    def __init__(self, fn, programs=None, name=None):
        self._fn = fn
        self._programs = programs or []
        self.name = name or getattr(fn, "__name__", "fn")
        self.__name__ = self.name
        self.__doc__ = getattr(fn, "__doc__", None)

    def __call__(self, *args, **kwargs):
        if self._programs:
            return _run_program(self._programs, 0, {}, args, self.name)
        return self._fn(*args, **kwargs)

    @property
    def graph(self) -> str:
        return _program_text(self._programs)

    code = graph

    def save(self, f, _extra_files=None) -> None:
        """ScriptFunction.save: a torchax.jit archive of the traced program."""
        from torchax.jit._serialization import save_function

        if not self._programs:
            raise RuntimeError(f"torchax.jit: cannot save scripted function {self.name}; trace it with example inputs")
        save_function(self, f)

    def __repr__(self) -> str:
        return f"<torch.jit.ScriptFunction object at {hex(id(self))}>"


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """torch.jit.script: the object as a RecursiveScriptModule / ScriptFunction that runs its Python code.

    Differs from torch: no TorchScript compilation (Python semantics, no type checks); `save` records a program
    from the shapes of the module's calls (see torchax.jit docs / KNOWN_DIFFERENCES).
    """
    deprecated("script")
    if isinstance(obj, (ScriptModule, ScriptFunction)):
        return obj
    if isinstance(obj, Module):
        w = _wrap(obj, RecursiveScriptModule)
        for ex in example_inputs or ():
            w.__dict__.setdefault("_signatures", []).append(
                tuple(jax.ShapeDtypeStruct(a.shape, a.dtype) for a in _trace.example_arrays(ex)))
        return w
    if isinstance(obj, type):
        return obj  # NOTE: a scripted class behaves as the Python class
    if callable(obj):
        return ScriptFunction(obj)
    raise RuntimeError(f"torch.jit.script cannot compile an object of type {type(obj).__name__}")


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-05,
          strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs=True):
    """torch.jit.trace: record `func` on `example_inputs` as one JAX program (jax.export).

    The leading dimension stays symbolic when the program allows it; Python control flow is specialised to the
    example, as in torch. Data-dependent control flow (`if x.sum() > 0`) cannot be recorded and raises.
    """
    deprecated("trace")
    if isinstance(func, Module):
        deprecated("trace_method")
    if example_kwarg_inputs:
        raise NotImplementedError("torchax.jit.trace: example_kwarg_inputs is not supported; pass example_inputs")
    if isinstance(func, ScriptModule) and func.__dict__.get("_original") is not None:
        func = func._original
    args = _trace.example_arrays(example_inputs)
    program = _trace.export(func, args)
    if isinstance(func, Module):
        w = _wrap(func, TopLevelTracedModule)
        w.__dict__["_programs"] = [program]
        return w
    return ScriptFunction(func, [program], getattr(func, "__name__", "fn"))


def trace_module(mod, inputs, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-05,
                 strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
                 example_inputs_is_kwarg=False, _store_inputs=True):
    """torch.jit.trace_module: trace `forward` only ({"forward": example_inputs})."""
    deprecated("trace_method")
    unknown = set(inputs) - {"forward"}
    if unknown:
        raise NotImplementedError(f"torchax.jit.trace_module traces forward only, not {sorted(unknown)}")
    return trace(mod, inputs["forward"])
