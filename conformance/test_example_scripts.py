"""examples/*.py print the same under PyTorch (`python x.py`) and torchax (`python -m torchax x.py`).

Each example runs in two subprocesses, a short version (SHORT gives its arguments), several at once. The outputs
must have the same lines and the same text; integers in them must be equal and floats (losses, accuracies, weights)
equal within RTOL plus one unit in the last printed digit (a value printed as 0.12345 may round either way).
"""

import concurrent.futures
import os
import pathlib
import re
import subprocess
import sys
import tempfile

import pytest

ROOT = pathlib.Path(__file__).parent.parent
EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.py"))
RTOL = 1e-4
PARALLEL = 3  # processes at once: the suite's machine has 2 cores, and a process waits on imports part of the time

# the short command line of every example (the test below fails if an example is missing here)
SHORT = {
    "char_gpt.py": ["--steps", "20", "--tokens", "8"],
    "checkpoint_resume.py": ["--steps", "12"],
    "cnn_classifier.py": ["--epochs", "1"],
    "custom_autograd_function.py": ["--steps", "20"],
    "custom_dataset.py": ["--epochs", "1"],
    "grad_accumulation.py": ["--steps", "20"],
    "linear_regression.py": [],
    "lr_schedule_early_stopping.py": ["--epochs", "12"],
    "lstm_sequence.py": ["--steps", "25"],
    "mlp_classifier.py": ["--epochs", "1"],
    "transfer_learning.py": ["--epochs", "1"],
}

SLOW = ("char_gpt.py", "cnn_classifier.py", "transfer_learning.py", "lstm_sequence.py")

NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|(?<![\w.])[-+]?(?:nan|inf)\b")


def _env():
    env = dict(os.environ)
    # the checkout's torchax, whatever is installed; one thread each, as several processes share the cores
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env["OMP_NUM_THREADS"] = "1"
    return env


def _run(cmd, cwd):
    proc = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


class _Runs:
    """Starts every (example, library) run on a small pool at once; `result` waits for one."""

    def __init__(self, workdir):
        self.pool = concurrent.futures.ThreadPoolExecutor(PARALLEL)
        self.futures = {}
        # the longest runs first (they bound the total), both runs of an example together (its test waits for them)
        for name in sorted(EXAMPLES, key=lambda n: n not in SLOW):
            script = [str(ROOT / "examples" / name), *SHORT.get(name, [])]
            commands = {"torch": [sys.executable, *script], "torchax": [sys.executable, "-m", "torchax", *script]}
            for lib, cmd in commands.items():
                self.futures[name, lib] = self.pool.submit(_run, cmd, workdir)

    def result(self, name, lib):
        return self.futures[name, lib].result()


@pytest.fixture(scope="module")
def runs():
    with tempfile.TemporaryDirectory() as workdir:  # a neutral working directory: no stray imports, files land here
        r = _Runs(workdir)
        yield r
        r.pool.shutdown(wait=True, cancel_futures=True)


def _resolution(token: str) -> float:
    """One unit in the last printed digit of a float token: 0.125 -> 0.001, 1.5e-03 -> 1e-4."""
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def _is_int(token: str) -> bool:
    return token.lstrip("+-").isdigit()


def _mismatch(expected: str, actual: str) -> str | None:
    """Why `actual` does not print the same as `expected`, or None."""
    if NUMBER.sub("#", expected) != NUMBER.sub("#", actual):
        return "text differs"
    for e, a in zip(NUMBER.findall(expected), NUMBER.findall(actual)):
        if _is_int(e) and _is_int(a):
            if int(e) != int(a):
                return f"integer {a} != {e}"
            continue
        x, y = float(e), float(a)
        if x != x or y != y or abs(x) == float("inf") or abs(y) == float("inf"):
            if e.lstrip("+") != a.lstrip("+"):
                return f"{a} != {e}"
            continue
        tol = RTOL * max(abs(x), abs(y)) + max(_resolution(e), _resolution(a))
        if abs(x - y) > tol:
            return f"{a} != {e} (difference {abs(x - y):.3g} > tolerance {tol:.3g})"
    return None


def compare_outputs(expected: str, actual: str) -> list[str]:
    """The lines where `actual` does not print what `expected` does (numbers within tolerance)."""
    exp_lines, act_lines = expected.splitlines(), actual.splitlines()
    problems = [f"line {i + 1}: {why}\n  torch:   {e}\n  torchax: {a}"
                for i, (e, a) in enumerate(zip(exp_lines, act_lines)) if (why := _mismatch(e, a))]
    if len(exp_lines) != len(act_lines):
        problems.append(f"{len(act_lines)} lines printed, torch printed {len(exp_lines)}")
    return problems


def test_every_example_has_a_short_run():
    assert "linear_regression.py" in EXAMPLES and len(EXAMPLES) >= 11  # the glob found the folder
    assert sorted(SHORT) == EXAMPLES


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_prints_the_same(runs, name):
    rc_torch, expected, err_torch = runs.result(name, "torch")
    rc, actual, err = runs.result(name, "torchax")
    assert rc_torch == 0 and expected, f"under torch: exit {rc_torch}\n{err_torch}"
    assert rc == 0, f"under torchax: exit {rc}\n{err}"
    problems = compare_outputs(expected, actual)
    assert not problems, "\n".join(problems)


# the comparison itself: it must accept rounding of the last digit and reject anything more
@pytest.mark.parametrize(("expected", "actual", "same"), [
    ("step 10  loss 0.123456", "step 10  loss 0.123456", True),
    ("step 10  loss 0.123456", "step 10  loss 0.123457", True),  # last digit rounds the other way
    ("step 10  loss 0.123456", "step 10  loss 0.123470", False),
    ("w [0.14022338390350342]", "w [0.1402247101068497]", True),  # repr: shortest digits, any count
    ("step 10  loss 1234.5678", "step 10  loss 1234.6789", True),  # within RTOL
    ("step 10  loss 0.5", "step 11  loss 0.5", False),  # integers are exact
    ("acc 0.25 (64/256)", "acc 0.25 (65/256)", False),
    ("tensor([3.0169], requires_grad=True)", "tensor([3.0169], requires_grad=False)", False),
    ("norm 1.5e-03", "norm 1.7e-03", False),
    ("norm 1.5e-03", "norm 1.6e-03", True),  # one unit in the last digit
    ("norm 1.5e-03", "norm 1.5e-03", True),
    ("loss nan", "loss nan", True),
    ("loss nan", "loss 0.1", False),
    ("x -0.00000", "x 0.00001", True),  # one unit in the last digit, either sign
    ("x -0.00001", "x 0.00001", False),
])
def test_output_comparison(expected, actual, same):
    assert (compare_outputs(expected, actual) == []) is same
    assert compare_outputs(expected, expected + "\nmore") != []
