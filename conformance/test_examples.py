"""The expressions benchmarks/op_overhead.py times give torch's results.

(The examples/*.py scripts themselves are run under both libraries by test_example_scripts.py.)
"""

import importlib.util
import pathlib

import pytest
from harness import conformance, tensor

ROOT = pathlib.Path(__file__).parent.parent


def _load_benchmark():
    spec = importlib.util.spec_from_file_location("op_overhead", ROOT / "benchmarks" / "op_overhead.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH_CASES = _load_benchmark().CASES


@pytest.mark.parametrize("name", BENCH_CASES)
@conformance()
def test_benchmark_expression(T, name):
    x, y, m = tensor(T, (8, 8)), tensor(T, (8, 8), seed=1), tensor(T, (8, 8), dtype="bool", seed=2)
    out = BENCH_CASES[name][1](T, x, y, m)
    return out, x  # x too: add_ writes into it
