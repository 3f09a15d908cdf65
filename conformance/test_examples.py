"""examples/*.py print exactly the same under PyTorch (`python x.py`) and torchax (`python -m torchax x.py`),
and the expressions benchmarks/op_overhead.py times give torch's results."""

import importlib.util
import pathlib
import subprocess
import sys

import pytest
from harness import conformance, tensor

ROOT = pathlib.Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def _load_benchmark():
    spec = importlib.util.spec_from_file_location("op_overhead", ROOT / "benchmarks" / "op_overhead.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH_CASES = _load_benchmark().CASES


def _start(cmd, cwd):
    return subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc):
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def test_examples_exist():
    assert "linear_regression.py" in {p.name for p in EXAMPLES}  # the glob found the folder


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_prints_the_same(script, tmp_path):
    # both run at once (the suite's machine has 2 cores), from a neutral directory
    with_torch = _start([sys.executable, str(script)], tmp_path)
    with_torchax = _start([sys.executable, "-m", "torchax", str(script)], tmp_path)
    (rc_torch, expected, err_torch), (rc, actual, err) = _finish(with_torch), _finish(with_torchax)
    assert rc_torch == 0 and expected, f"under torch: exit {rc_torch}\n{err_torch}"
    assert rc == 0, f"under torchax: exit {rc}\n{err}"
    assert actual == expected


@pytest.mark.parametrize("name", BENCH_CASES)
@conformance()
def test_benchmark_expression(T, name):
    x, y, m = tensor(T, (8, 8)), tensor(T, (8, 8), seed=1), tensor(T, (8, 8), dtype="bool", seed=2)
    out = BENCH_CASES[name][1](T, x, y, m)
    return out, x  # x too: add_ writes into it
