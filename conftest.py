"""Settings for the whole test run (every xdist worker, and the processes tests start, which inherit them)."""

import os

# The suite compiles thousands of small XLA:CPU kernels, most run once. At backend optimization level 0 LLVM skips
# its optimization passes and the suite runs ~20% faster. Results do not depend on it: XLA:CPU leaves fast-math off,
# so LLVM may not reorder floating-point work at any level (and every comparison with torch passes at both).
_FLAG = "--xla_backend_optimization_level=0"
if _FLAG not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {_FLAG}".strip()
