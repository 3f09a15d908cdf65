"""torch.hub offline: the hub directory, local and cached repos (load / list / help), cached checkpoints and file://
downloads run under torch and torchax; what needs the network raises the exception torch raises when it is offline
(torch is made offline here by replacing its urlopen with one that fails)."""

import contextlib
import io
import pathlib
import sys
from urllib.error import URLError

import pytest
import torch
from harness import conformance

import torchax

HUBCONF = '''"""A test hub repo."""
from hub_test_helper import OFFSET

dependencies = ["json"]


def scaled(x, scale=2):
    """Multiply x by scale, plus the helper's offset."""
    return x * scale + OFFSET


def needs_missing():
    return 0


_private = 1
CONSTANT = 3
'''


@pytest.fixture(autouse=True)
def fresh_hub(monkeypatch, tmp_path):
    """Each test starts without set_dir and with a hub under tmp_path; sys.path and modules are restored."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.delenv("TORCH_HUB", raising=False)
    monkeypatch.delenv("TORCH_MODEL_ZOO", raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    for module in (torch.hub, torchax.hub):
        monkeypatch.setattr(module, "_hub_dir", None)
    yield
    sys.modules.pop("hub_test_helper", None)


@pytest.fixture
def offline(monkeypatch):
    """Real torch without a network: its urlopen fails as it does on a machine that is offline."""

    def urlopen(*args, **kwargs):
        raise URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(torch.hub, "urlopen", urlopen)


def write_repo(path: pathlib.Path) -> pathlib.Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "hubconf.py").write_text(HUBCONF)
    (path / "hub_test_helper.py").write_text("OFFSET = 1\n")
    return path


def outcome(fn):
    try:
        return None, fn()
    except Exception as e:  # noqa: BLE001 - the error is the result
        return type(e).__name__, str(e)


def _home(T, tmp_path):
    return tmp_path / T.__name__


@conformance()
def test_get_dir_default(T, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    first = T.hub.get_dir()
    monkeypatch.delenv("TORCH_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    second = T.hub.get_dir()
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    third = T.hub.get_dir()
    return [str(pathlib.Path(p).relative_to(tmp_path)) for p in (first, second, third)]


@conformance()
def test_set_dir(T, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    T.hub.set_dir("~/my_hub")
    home = T.hub.get_dir()
    T.hub.set_dir(tmp_path / "as_path")
    return str(pathlib.Path(home).relative_to(tmp_path)), T.hub.get_dir() == str(tmp_path / "as_path")


@conformance()
def test_torch_hub_env_deprecated(T, monkeypatch):
    monkeypatch.setenv("TORCH_HUB", "/somewhere")
    with pytest.warns(UserWarning, match="TORCH_HUB is deprecated, please use env TORCH_HOME instead"):
        return T.hub.get_dir().endswith("torch_home/hub")


@conformance()
def test_load_local(T, tmp_path):
    repo = write_repo(_home(T, tmp_path) / "repo")
    sys.modules.pop("hub_test_helper", None)
    return (T.hub.load(str(repo), "scaled", 3, source="local"),
            T.hub.load(str(repo), "scaled", 3, scale=4, source="LOCAL"),
            str(repo) in sys.path)


@pytest.mark.parametrize("case", ["unknown_source", "missing_entry", "not_callable", "private", "model_not_str",
                                  "missing_dependency"])
@conformance()
def test_load_local_errors(T, tmp_path, case):
    repo = write_repo(_home(T, tmp_path) / "repo")
    if case == "missing_dependency":
        (repo / "hubconf.py").write_text(HUBCONF.replace('["json"]', '["json", "not_a_module_for_hub_tests"]'))
    model, source = {"unknown_source": ("scaled", "gitlab"), "missing_entry": ("nope", "local"),
                     "not_callable": ("CONSTANT", "local"), "private": ("_private", "local"),
                     "model_not_str": (3, "local"), "missing_dependency": ("scaled", "local")}[case]
    return outcome(lambda: T.hub.load(str(repo), model, source=source))


@conformance()
def test_cached_github_repo(T, tmp_path):
    hub = _home(T, tmp_path) / "hub"
    T.hub.set_dir(str(hub))
    write_repo(hub / "someone_tools_main")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        entries = T.hub.list("someone/tools:main", trust_repo=True)
        doc = T.hub.help("someone/tools:main", "scaled", trust_repo=True)
        value = T.hub.load("someone/tools:main", "scaled", 5, scale=3, trust_repo=True)
        quiet = T.hub.load("someone/tools:main", "scaled", 1, trust_repo="check", verbose=False)
    trusted = (hub / "trusted_list").read_text()
    return entries, doc, value, quiet, trusted, err.getvalue().replace(str(hub), "<hub>")


@pytest.mark.parametrize("case", ["download_https", "checkpoint_https", "repo_with_ref", "repo_with_ref_unvalidated",
                                  "repo_without_ref", "force_reload"])
def test_offline_errors(case, tmp_path, offline):
    """What needs the network raises torch's offline exception type; torchax's message says why."""

    def body(T):
        hub = _home(T, tmp_path) / "hub"
        T.hub.set_dir(str(hub))
        write_repo(hub / "someone_tools_main")
        calls = {
            "download_https": lambda: T.hub.download_url_to_file("https://example.com/w.pth", str(hub / "w.pth")),
            "checkpoint_https": lambda: T.hub.load_state_dict_from_url("https://example.com/models/w-1234abcd.pth"),
            "repo_with_ref": lambda: T.hub.load("someone/other:v1", "scaled", 1, trust_repo=True),
            "repo_with_ref_unvalidated": lambda: T.hub.load("someone/other:v1", "scaled", 1, trust_repo=True,
                                                            skip_validation=True),
            "repo_without_ref": lambda: T.hub.list("someone/other", trust_repo=True),
            "force_reload": lambda: T.hub.list("someone/tools:main", force_reload=True, trust_repo=True),
        }
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            kind, msg = outcome(calls[case])
        return kind, msg, out.getvalue().replace(str(hub), "<hub>")

    torch_kind, _, torch_out = body(torch)
    kind, msg, out = body(torchax)
    assert kind == torch_kind and torch_kind in ("URLError", "RuntimeError")
    assert "offline" in msg or "no internet connection" in msg
    assert str(_home(torchax, tmp_path) / "hub") in msg or "example.com" in msg  # names what it could not fetch
    assert out == torch_out  # the "Downloading: ..." line torch prints first


@conformance()
def test_load_state_dict_from_url_cached(T, tmp_path):
    hub = _home(T, tmp_path) / "hub"
    T.hub.set_dir(str(hub))
    (hub / "checkpoints").mkdir(parents=True)
    T.save({"w": T.arange(3.0), "b": T.tensor([1, 2])}, hub / "checkpoints" / "weights-1234abcd.pth")
    other = _home(T, tmp_path) / "models"
    other.mkdir()
    T.save([T.ones(2)], other / "renamed.pt")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):  # a cached file is never fetched again, and its hash is not checked
        state = T.hub.load_state_dict_from_url("https://example.invalid/a/weights-1234abcd.pth", check_hash=True,
                                               map_location="cpu", weights_only=True)
        listed = T.hub.load_state_dict_from_url("https://example.invalid/x.pt", model_dir=str(other),
                                                file_name="renamed.pt")
    return state, listed, out.getvalue()


@conformance()
def test_file_url_download(T, tmp_path):
    home = _home(T, tmp_path)
    home.mkdir()
    src = home / "payload.bin"
    src.write_bytes(bytes(range(256)) * 1000)
    url = src.as_uri()
    T.hub.download_url_to_file(url, str(home / "copy.bin"), progress=False)
    sha = "b57b64b1"  # the first hex digits of the payload's sha256
    T.hub.download_url_to_file(url, str(home / "checked.bin"), hash_prefix=sha, progress=False)
    bad = outcome(lambda: T.hub.download_url_to_file(url, str(home / "bad.bin"), hash_prefix="0000", progress=False))
    leftovers = sorted(p.name for p in home.iterdir())
    return (home / "copy.bin").read_bytes() == src.read_bytes(), bad, leftovers


@conformance()
def test_load_state_dict_from_file_url(T, tmp_path):
    home = _home(T, tmp_path)
    home.mkdir()
    T.save({"w": T.arange(4).reshape(2, 2)}, home / "net-abc.pth")
    T.hub.set_dir(str(home / "hub"))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        state = T.hub.load_state_dict_from_url((home / "net-abc.pth").as_uri(), progress=False)
    cached = (home / "hub" / "checkpoints" / "net-abc.pth").exists()
    return state, cached, out.getvalue().replace(str(home), "<home>")
