"""torch.jit on torchax: `trace` records a module or function as a jax.export program; `script` wraps it and runs
its Python; `save`/`load` write and read a self-contained zip (programs + state + module tree, no Python class).

Differences from TorchScript are listed in conformance/KNOWN_DIFFERENCES.md ("TorchScript and ONNX").
"""

from torchax.jit._annotations import (
    Attribute as Attribute,
    Error as Error,
    Final as Final,
    ScriptWarning as ScriptWarning,
    TracerWarning as TracerWarning,
    annotate as annotate,
    export as export,
    fork as fork,
    freeze as freeze,
    ignore as ignore,
    interface as interface,
    is_scripting as is_scripting,
    isinstance as isinstance,
    optimize_for_inference as optimize_for_inference,
    optimized_execution as optimized_execution,
    script_if_tracing as script_if_tracing,
    script_method as script_method,
    unused as unused,
    wait as wait,
)
from torchax.jit._script import (
    RecursiveScriptModule as RecursiveScriptModule,
    ScriptFunction as ScriptFunction,
    ScriptModule as ScriptModule,
    TopLevelTracedModule as TopLevelTracedModule,
    TracedModule as TracedModule,
    script as script,
    trace as trace,
    trace_module as trace_module,
)
from torchax.jit._serialization import load as load, save as save
from torchax.jit._trace import is_tracing as is_tracing
