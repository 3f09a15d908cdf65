"""Test-process setup shared by tests/ and conformance/: how XLA compiles the suite's kernels.

Compiling is about three quarters of the suite's CPU time: thousands of small XLA:CPU kernels, one per op, dtype
and shape a test meets. XLA's legacy loop emitter compiles a kernel of a few elements ~40% faster than its MLIR
fusion emitters, so the test processes select it (the whole suite takes ~30% less CPU). Results are the same
but for the last bit of a few transcendental functions (`tan`, `atan`, `cbrt`, some float16 ones), which the
comparisons' tolerances cover either way.

Only the test processes change: the environment is restored once XLA has read its flags, so the scripts the
suite runs end to end (seed examples, `examples/`, `torchax run`, distributed ranks) see the user's environment
and compile with XLA's defaults. TORCHAX_TEST_XLA_DEFAULTS=1 runs the test processes with the defaults too.
"""

import os

_FLAG = "--xla_cpu_use_fusion_emitters=false"


def _select_emitter() -> None:
    flags = os.environ.get("XLA_FLAGS")
    if os.environ.get("TORCHAX_TEST_XLA_DEFAULTS") or "xla_cpu_use_fusion_emitters" in (flags or ""):
        return
    import jax
    from jax._src import xla_bridge

    if xla_bridge.backends_are_initialized():  # XLA has read its flags already
        return
    os.environ["XLA_FLAGS"] = f"{flags} {_FLAG}" if flags else _FLAG
    try:
        jax.devices()  # NOTE: XLA parses XLA_FLAGS once, when the first backend starts
    finally:
        if flags is None:
            del os.environ["XLA_FLAGS"]
        else:
            os.environ["XLA_FLAGS"] = flags


_select_emitter()
