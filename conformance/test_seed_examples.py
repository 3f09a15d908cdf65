"""The seed examples: our users' own PyTorch scripts run under torchax and print what real torch printed.

`seed_examples/` holds the scripts and `seed_examples/torch_outputs/` torch 2.13's stdout for each. All
scripts run once per session in two torchax interpreters sharing one queue (`seed_runner.py`, the way
`torchax run` runs a script), without torchvision as in torch's reference run; the `torchvision-optional`
scripts run a second time with torchax's torchvision. Each test compares one script's stdout with torch's:
- `det` scripts (no randomness): exactly;
- `rng` scripts: text exactly, numbers to the last printed digit (or 1e-4 relative);
- `addr` scripts: the same after object addresses and data pointers are masked;
- `timing`/`env` scripts (profiler tables, collect_env): only that they run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
DIR = os.path.join(HERE, "seed_examples")
OUTS = os.path.join(DIR, "torch_outputs")


def _index() -> tuple[dict[str, str], dict[str, str]]:
    """script name -> output class (the last column of INDEX.md's table), and -> its tags (the fifth)."""
    classes, tags = {}, {}
    with open(os.path.join(DIR, "INDEX.md"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\| `(\d{3}_\w+)\.py` \|.*\| (\S+) \|\s*$", line)
            if m:
                classes[m.group(1)] = m.group(2)
                tags[m.group(1)] = line.split("|")[5]
    return classes, tags


CLASSES, TAGS = _index()
SCRIPTS = sorted(n for n in CLASSES if os.path.exists(os.path.join(OUTS, n + ".out")))
WITH_TORCHVISION = [n for n in SCRIPTS if "torchvision-optional" in TAGS[n]]


@pytest.fixture(scope="session")
def results():
    """Run every script: two interpreters, each taking the next script not yet taken."""
    tmp = tempfile.mkdtemp(prefix="seed-results-")
    claims = os.path.join(tmp, "claims")
    os.mkdir(claims)
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONWARNINGS="ignore")
    files = [n + ".py" for n in SCRIPTS] + [n + ".py+torchvision" for n in WITH_TORCHVISION]
    procs = []
    for i in range(2):
        out = os.path.join(tmp, f"part{i}.json")
        cmd = [sys.executable, os.path.join(HERE, "seed_runner.py"), out, "--claim", claims, *files]
        procs.append((out, subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)))
    merged = {}
    for out, p in procs:
        _, err = p.communicate()
        if os.path.exists(out):
            with open(out) as f:
                merged.update(json.load(f))
        if p.returncode:
            merged["__crash__"] = err.decode(errors="replace")[-2000:]
    return merged


_NUM = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_ADDR = (re.compile(r"0x[0-9a-fA-F]+"), re.compile(r"\b\d{9,}\b"))


def _mask(text: str) -> str:
    text = _ADDR[0].sub("0x?", text)
    return _ADDR[1].sub("<int>", text)


def _numbers_close(a: str, e: str) -> bool:
    x, y = float(a), float(e)
    if x == y:
        return True
    decimals = len(e.split(".")[1].split("e")[0].split("E")[0]) if "." in e else 0
    return abs(x - y) <= max(1e-4 * abs(y), 1.01 * 10.0 ** -decimals)


def same_output(actual: str, expected: str, kind: str) -> str | None:
    """None if `actual` passes for `expected` under the rules of `kind`, else what differs."""
    if kind.startswith("addr"):
        actual, expected = _mask(actual), _mask(expected)
    if actual == expected:
        return None
    if kind == "det":
        return "output differs"
    al, el = actual.splitlines(), expected.splitlines()
    if len(al) != len(el):
        return f"{len(al)} lines printed, torch printed {len(el)}"
    for i, (a, e) in enumerate(zip(al, el)):
        at, et = _NUM.split(a), _NUM.split(e)
        an, en = _NUM.findall(a), _NUM.findall(e)
        if [" ".join(t.split()) for t in at] != [" ".join(t.split()) for t in et] or len(an) != len(en):
            return f"line {i + 1}: {a!r} != {e!r}"
        if not all(_numbers_close(x, y) for x, y in zip(an, en)):
            return f"line {i + 1}: numbers differ: {a!r} != {e!r}"
    return None


def _check(results, name, key):
    r = results.get(key)
    if r is None:
        pytest.fail(f"{key} did not run: {results.get('__crash__', 'runner gave no result')}")
    assert r["ok"], f"{key} raised {r['error']}"
    kind = CLASSES[name]
    if kind in ("timing", "env"):
        return
    with open(os.path.join(OUTS, name + ".out"), encoding="utf-8") as f:
        expected = f.read()
    diff = same_output(r["stdout"], expected, kind)
    assert diff is None, f"{key}: {diff}"


@pytest.mark.parametrize("name", SCRIPTS)
def test_seed_example(results, name):
    _check(results, name, name)


@pytest.mark.parametrize("name", WITH_TORCHVISION)
def test_seed_example_with_torchvision(results, name):
    """The scripts that use torchvision when it is installed, with torchax's: torch's output was made without."""
    _check(results, name, name + "+torchvision")


def test_output_comparison_rules():
    """The comparison itself: exact for det, last printed digit for rng, masked addresses for addr."""
    assert same_output("a 1.5\n", "a 1.5\n", "det") is None
    assert same_output("a 1.50\n", "a 1.5\n", "det") is not None
    assert same_output("tensor([0.1235])\n", "tensor([0.1234])\n", "rng") is None
    assert same_output("tensor([0.1237])\n", "tensor([0.1234])\n", "rng") is not None
    assert same_output("x 3\n", "y 3\n", "rng") is not None
    assert same_output("<obj at 0x7f00aa>\n", "<obj at 0x55bb11>\n", "addr") is None
