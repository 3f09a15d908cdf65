"""`torchax run` / `python -m torchax`: scripts run as __main__ with `import torch` resolving to torchax.

Scripts run in subprocesses (the alias must not leak into this process); there are only two launches,
each checking several things, because every launch pays for `import torchax`.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
import types

import pytest

import torchax
from torchax import cli

MAIN = """\
import json, sys
import helper                      # a sibling module: the script's directory is sys.path[0]
import torch
import torch.linalg
import torch.cuda as cuda
import torchax

def import_error(name):
    try:
        return __import__(name).__name__
    except ImportError as e:
        return [type(e).__name__, str(e)]

def fail():
    raise ValueError("boom from the script")

print(json.dumps({
    "argv": sys.argv, "name": __name__, "file": __file__, "helper": helper.VALUE,
    "torch_is_torchax": torch is torchax, "spec": torch.__spec__.name,
    "same_linalg": sys.modules["torch.linalg"] is torchax.linalg and torch.linalg is torchax.linalg,
    "same_cuda": cuda is torchax.cuda and sys.modules["torch.cuda"] is torchax.cuda,
    "fx": import_error("torch.fx"),
    "private": import_error("torch._C"),
    "torchvision": import_error("torchvision"),
    "zeros": repr(torch.zeros(2, dtype=torch.int64)),
}))
sys.stdout.flush()
fail()
"""


def _launch(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_run_script_as_main(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "main.py").write_text(MAIN)
    (project / "helper.py").write_text("VALUE = 42\n")
    # run from another directory: the sibling import must come from the script's directory, not the cwd
    r = _launch([sys.executable, "-m", "torchax", "project/main.py", "a", "--flag", "-x"], cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    assert out == {
        "argv": ["project/main.py", "a", "--flag", "-x"], "name": "__main__", "file": str(project / "main.py"),
        "helper": 42, "torch_is_torchax": True, "spec": "torchax", "same_linalg": True, "same_cuda": True,
        "fx": ["ModuleNotFoundError", "torchax does not support 'torch.fx' yet"],
        "private": ["ModuleNotFoundError", "torchax does not support 'torch._C' yet"],
        "torchvision": "torchax.vision" if importlib.util.find_spec("torchax.vision")
        else ["ModuleNotFoundError", "torchax does not support 'torchvision' yet"],
        "zeros": "tensor([0, 0])",
    }
    # the traceback starts at the user's script, as with `python main.py` (which shows its absolute path)
    tb = r.stderr.strip().splitlines()
    assert tb[0] == "Traceback (most recent call last):", r.stderr
    lines = MAIN.splitlines()
    call, raise_ = lines.index("fail()") + 1, lines.index('    raise ValueError("boom from the script")') + 1
    assert tb[1].strip() == f'File "{project / "main.py"}", line {call}, in <module>', r.stderr
    assert f'File "{project / "main.py"}", line {raise_}, in fail' in r.stderr
    assert tb[-1] == "ValueError: boom from the script"
    assert "runpy" not in r.stderr and "cli.py" not in r.stderr


def test_console_script_exit_codes(tmp_path):
    exe = shutil.which("torchax", path=os.path.dirname(sys.executable))
    assert exe, "the `torchax` console script is not installed next to this python"
    (tmp_path / "exit3.py").write_text(textwrap.dedent("""\
        import sys
        import torch
        print(sys.argv[1:], torch.tensor([1.5]).dtype)
        sys.exit(3)
    """))
    r = _launch([exe, "run", "exit3.py", "--lr", "0.1"], cwd=tmp_path)
    assert (r.returncode, r.stdout) == (3, "['--lr', '0.1'] torch.float32\n"), r.stderr
    assert r.stderr == ""


def test_usage_and_version(capsys, tmp_path):
    assert cli.main([]) == 2
    assert cli.main(["run"]) == 2
    assert cli.main(["frobnicate", "x.py"]) == 2
    err = capsys.readouterr().err
    assert err.count("usage: torchax run SCRIPT [ARGS...]") == 3
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out == f"torchax {torchax.version.torchax} (torch 2.13.0 API)\n"
    assert cli.main(["run", str(tmp_path / "missing.py")]) == 2
    assert "can't open file" in capsys.readouterr().err


def test_alias_refuses_when_real_torch_is_loaded(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))
    with pytest.raises(RuntimeError, match="before real torch is imported"):
        torchax.alias_torch()
