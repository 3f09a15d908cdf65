"""`torchax run` tracebacks read like torch's: the script's frames and torch's `TypeName: message`, no engine frames.

Each failing script runs through `torchax.cli.run` (what `torchax run` calls) in one subprocess, and through
real torch in another; the script frames shown and the last line must be the same. Two launches in all, since
each pays for importing torchax or torch.
"""

import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

import torchax

SCRIPTS = {
    # a shape mismatch in an operator, two user frames deep
    "matmul": """\
        import torch

        def project(a, b):
            return a @ b

        out = project(torch.ones(2, 3), torch.ones(4, 5))
    """,
    "missing_attribute": """\
        import torch
        x = torch.foo_bar(3)
    """,
    # raised inside a library layer called from the user's own forward
    "forward": """\
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return self.fc(x).relu()

        net = Net()
        out = net(torch.ones(2, 5))
    """,
    # an op that fails inside a DataLoader worker: the worker's traceback travels in the message
    "worker": """\
        import torch
        from torch.utils.data import DataLoader, Dataset

        class Items(Dataset):
            def __len__(self):
                return 4

            def __getitem__(self, i):
                if i == 1:
                    return torch.ones(2) + torch.ones(3)
                return torch.ones(2)

        if __name__ == "__main__":
            for batch in DataLoader(Items(), batch_size=2, num_workers=1):
                pass
    """,
    # an error the script catches and replaces: both the user's exceptions are shown, chained
    "chained": """\
        import torch

        def check(x):
            try:
                return x.view(5)
            except RuntimeError as e:
                raise ValueError("bad input") from e

        check(torch.ones(2, 3))
    """,
}
UNSUPPORTED = """\
import torch
print(hasattr(torch, "stft"), getattr(torch, "stft", "default"))
q = torch.stft(torch.ones(64), 16, return_complex=True)
"""

TORCHAX_DRIVER = """\
import contextlib, io, json, os, sys
from torchax import cli

out = {}
for name in sys.argv[1:]:
    if name.startswith("full:"):
        name = name[5:]
        os.environ["TORCHAX_TRACEBACK"] = "full"
    err, printed = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(printed):
        rc = cli.run(name + ".py", [])
    out[name if "TORCHAX_TRACEBACK" not in os.environ else "full"] = [rc, err.getvalue(), printed.getvalue()]
print(json.dumps(out))
"""

TORCH_DRIVER = """\
import json, os, runpy, sys, traceback

out = {}
for name in sys.argv[1:]:
    try:
        runpy.run_path(os.path.abspath(name + ".py"), run_name="__main__")
    except Exception as e:
        out[name] = "".join(traceback.format_exception(e))
print(json.dumps(out))
"""

_FRAME = re.compile(r'^\s*File "([^"]*)", line (\d+), in (\S+)', re.M)
HAS_TORCH = importlib.util.find_spec("torch") is not None


def _launch(driver, names, cwd):
    (cwd / driver[0]).write_text(driver[1])
    return subprocess.Popen([sys.executable, driver[0], *names], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _result(proc):
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return json.loads(out.splitlines()[-1])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tracebacks")
    for name, src in SCRIPTS.items():
        (tmp / f"{name}.py").write_text(textwrap.dedent(src))
    (tmp / "unsupported.py").write_text(UNSUPPORTED)
    ours = _launch(("torchax_driver.py", TORCHAX_DRIVER), [*SCRIPTS, "unsupported", "full:matmul"], tmp)
    theirs = _launch(("torch_driver.py", TORCH_DRIVER), list(SCRIPTS), tmp) if HAS_TORCH else None
    return tmp, _result(ours), _result(theirs) if theirs else {}


def _last_line(text):
    return text.rstrip("\n").splitlines()[-1]


def _script_frames(text, tmp):
    """(file name, line, function) of every frame in a script of `tmp` (not the driver), in order."""
    return [(os.path.basename(f), int(n), fn) for f, n, fn in _FRAME.findall(text)
            if os.path.dirname(f) == str(tmp) and not f.endswith("_driver.py")]


def _engine_frames(text):
    root = os.path.dirname(torchax.__file__)
    return [f for f, _, _ in _FRAME.findall(text) if f.startswith(root) or "jax/_src" in f or "runpy" in f]


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_traceback_shows_the_script_frames_and_torchs_error(runs, name):
    tmp, ours, theirs = runs
    rc, err, _ = ours[name]
    assert rc == 1
    assert err.startswith("Traceback (most recent call last):\n"), err
    assert _engine_frames(err) == [], err
    assert "For simplicity, JAX" not in err and "torchax/_registry" not in err, err
    frames = _script_frames(err, tmp)
    last = _script_frames(re.split(r"^Traceback \(most recent call last\):$", err, flags=re.M)[-1], tmp)
    assert last and last[0][2] == "<module>", err  # the outermost frame is the script's top level
    assert len(_FRAME.findall(err)) == len(frames), err  # nothing but the script's frames
    if HAS_TORCH:
        assert _last_line(err) == _last_line(theirs[name]), (err, theirs[name])
        assert frames == _script_frames(theirs[name], tmp), (err, theirs[name])


def test_traceback_lines(runs):
    """The exact text for one case, as `python script.py` prints it under torch (without torch's own frames)."""
    tmp, ours, _ = runs
    path = tmp / "matmul.py"
    assert ours["matmul"][1] == textwrap.dedent(f"""\
        Traceback (most recent call last):
          File "{path}", line 6, in <module>
            out = project(torch.ones(2, 3), torch.ones(4, 5))
                  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
          File "{path}", line 4, in project
            return a @ b
                   ~~^~~
        RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)
    """)
    assert ours["missing_attribute"][1].endswith("AttributeError: module 'torch' has no attribute 'foo_bar'\n")
    worker = ours["worker"][1]
    assert "Caught RuntimeError in DataLoader worker process 0.\nOriginal Traceback (most recent call last):\n" \
           f'  File "{path.parent / "worker.py"}", line 10, in __getitem__\n' in worker, worker
    assert "The above exception was the direct cause" in ours["chained"][1]


def test_unsupported_torch_api_raises_not_implemented(runs):
    _, ours, _ = runs
    rc, err, printed = ours["unsupported"]
    assert (rc, printed) == (1, "False default\n")  # hasattr and getattr with a default see a missing attribute
    assert _engine_frames(err) == [], err
    assert _last_line(err) == ("NotImplementedError: torch.stft is not supported by torchax yet "
                               "(see conformance/KNOWN_DIFFERENCES.md in the torchax repository)")


def test_full_traceback_on_request(runs):
    _, ours, _ = runs
    rc, err, _ = ours["full"]
    assert rc == 1
    assert "torchax/_registry.py" in err and _last_line(err).startswith("RuntimeError: mat1 and mat2"), err
    assert "For simplicity, JAX" not in err


def test_unsupported_api_error_is_both_kinds():
    from torchax._alias import missing_attribute

    e = missing_attribute("torch", "stft")
    assert isinstance(e, NotImplementedError) and isinstance(e, AttributeError) and e.name == "stft"
    assert type(missing_attribute("torch.nn", "NoSuchLayer")) is AttributeError
    assert str(missing_attribute("torch.nn", "NoSuchLayer")) == "module 'torch.nn' has no attribute 'NoSuchLayer'"


def test_frame_filter_keeps_user_calls_into_libraries():
    from torchax import _traceback

    user, engine = "/home/me/train.py", os.path.join(os.path.dirname(torchax.__file__), "_registry.py")
    stdlib = os.path.join(os.path.dirname(os.__file__), "json", "encoder.py")
    # user -> json (shown: the user called it); user -> torchax -> json (hidden) -> user callback (shown)
    assert _traceback.visible([user, stdlib]) == [True, True]
    assert _traceback.visible([user, engine, stdlib, user, engine]) == [True, False, False, True, False]
    user_frame = f'  File "{user}", line 9, in g\n    y()\n'
    text = f'Original Traceback:\n  File "{engine}", line 3, in f\n    x()\n{user_frame}E: m'
    assert _traceback.filter_text(text) == f"Original Traceback:\n{user_frame}E: m"
