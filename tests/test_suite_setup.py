"""The test-process setup of conftest.py: the test processes compile with XLA's legacy loop emitter, and the
environment the suite's own subprocesses inherit is the user's."""

import os
import subprocess
import sys

import numpy as np
import pytest

# float32 tan over these inputs differs in the last bit between XLA:CPU's two loop emitters (jax 0.10)
_X = (np.random.default_rng(0).standard_normal(997) * 3).astype(np.float32)
_TAN = """
import sys, numpy as np, jax.numpy as jnp
np.save(sys.argv[2], np.asarray(jnp.tan(jnp.asarray(np.load(sys.argv[1])))))
"""


def _tan_in_subprocess(tmp_path, xla_flags):
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    if xla_flags:
        env["XLA_FLAGS"] = xla_flags
    x, out = tmp_path / "x.npy", tmp_path / "tan.npy"
    np.save(x, _X)
    subprocess.run([sys.executable, "-c", _TAN, str(x), str(out)], env=env, check=True, timeout=120)
    return np.load(out)


def test_subprocesses_inherit_the_users_environment():
    assert "xla_cpu_use_fusion_emitters" not in os.environ.get("XLA_FLAGS", "")


def test_the_test_process_compiles_with_the_legacy_emitter(tmp_path):
    import jax.numpy as jnp

    if os.environ.get("TORCHAX_TEST_XLA_DEFAULTS"):
        pytest.skip("TORCHAX_TEST_XLA_DEFAULTS: the test processes run XLA's defaults")
    here = np.asarray(jnp.tan(jnp.asarray(_X)))
    np.testing.assert_array_equal(here, _tan_in_subprocess(tmp_path, "--xla_cpu_use_fusion_emitters=false"))
