"""torch.hub, offline: the hub directory, local `hubconf.py` repos, and files already in the cache.

torchax never reaches the network. `get_dir`/`set_dir` and `load(..., source="local")` work as in torch; a GitHub
repo (`load`, `list`, `help`) is used when torch's cache already holds it (`<hub_dir>/<owner>_<name>_<ref>`), and
`load_state_dict_from_url` reads a checkpoint already in `<hub_dir>/checkpoints`. Anything that would have to be
fetched raises the error torch raises offline: urllib's URLError (RuntimeError for a repo named without a ref that is
not cached). `file://` URLs
are local files and are copied.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import importlib.util
import os
import re
import shutil
import sys
import tempfile
import uuid
import warnings
import zipfile
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.parse import urlparse
from urllib.request import urlopen

__all__ = ["download_url_to_file", "get_dir", "help", "list", "load", "load_state_dict_from_url", "set_dir"]

HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
ENV_GITHUB_TOKEN = "GITHUB_TOKEN"
ENV_TORCH_HOME = "TORCH_HOME"
ENV_XDG_CACHE_HOME = "XDG_CACHE_HOME"
DEFAULT_CACHE_DIR = "~/.cache"
VAR_DEPENDENCY = "dependencies"
MODULE_HUBCONF = "hubconf.py"
READ_DATA_CHUNK = 128 * 1024
_TRUSTED_REPO_OWNERS = ("facebookresearch", "facebookincubator", "pytorch", "fairinternal")
_OFFLINE = "torchax runs offline and does not download from the network"

_hub_dir: str | None = None


def _get_torch_home() -> str:
    default = os.path.join(os.getenv(ENV_XDG_CACHE_HOME, DEFAULT_CACHE_DIR), "torch")
    return os.path.expanduser(os.getenv(ENV_TORCH_HOME, default))


def get_dir() -> str:
    """torch.hub.get_dir: set_dir's folder, else `$TORCH_HOME/hub` (`$XDG_CACHE_HOME/torch/hub`, `~/.cache/...`)."""
    if os.getenv("TORCH_HUB"):
        warnings.warn("TORCH_HUB is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_get_torch_home(), "hub")


def set_dir(d: str | os.PathLike) -> None:
    """torch.hub.set_dir."""
    global _hub_dir
    _hub_dir = os.path.expanduser(d)


# --- repos --------------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _add_to_sys_path(path):
    sys.path.insert(0, path)
    try:
        yield
    finally:
        sys.path.remove(path)


def _import_hubconf(repo_dir):
    with _add_to_sys_path(repo_dir):
        spec = importlib.util.spec_from_file_location(MODULE_HUBCONF, os.path.join(repo_dir, MODULE_HUBCONF))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


def _parse_repo_info(github: str):
    """(owner, name, ref); without a ref, the cached `main` or `master` (torch's choice when it is offline)."""
    repo_info, ref = github.split(":") if ":" in github else (github, None)
    owner, name = repo_info.split("/")
    if ref is None:
        ref = next((r for r in ("main", "master") if os.path.exists(f"{get_dir()}/{owner}_{name}_{r}")), None)
        if ref is None:
            raise RuntimeError(f"It looks like there is no internet connection and the repo could not be found in the "
                               f"cache ({get_dir()}): {_OFFLINE}; put a copy of the repo at "
                               f"{get_dir()}/{owner}_{name}_main or load it with source='local'")
    return owner, name, ref


def _check_repo_is_trusted(owner, name, owner_name_branch, trust_repo):
    """torch's trust check: the trusted_list file, cached repo folders, or the well-known owners; else ask."""
    hub_dir = get_dir()
    filepath = os.path.join(hub_dir, "trusted_list")
    if not os.path.exists(filepath):
        Path(filepath).touch()
    with open(filepath) as f:
        trusted = tuple(line.strip() for line in f)
    owner_name = f"{owner}_{name}"
    legacy = next(os.walk(hub_dir))[1]  # a repo folder already in the cache counts as trusted
    is_trusted = owner_name in trusted or owner_name_branch in legacy or owner in _TRUSTED_REPO_OWNERS
    if trust_repo is False or (trust_repo == "check" and not is_trusted):
        response = input(f"The repository {owner_name} does not belong to the list of trusted repositories and as such "
                         "cannot be downloaded. Do you trust this repository and wish to add it to the trusted list of "
                         "repositories (y/N)?")
        if response.lower() in ("y", "yes"):
            if is_trusted:
                print("The repository is already trusted.")
        elif response.lower() in ("n", "no", ""):
            raise Exception("Untrusted repository.")  # noqa: TRY002 - torch's exception
        else:
            raise ValueError(f"Unrecognized response {response}.")
    if not is_trusted:
        with open(filepath, "a") as f:
            f.write(owner_name + "\n")


def _get_cache_or_reload(github, force_reload, trust_repo, verbose=True, skip_validation=False):
    """The folder of a cached GitHub repo; raises torch's offline RuntimeError when it is not cached."""
    hub_dir = get_dir()
    os.makedirs(hub_dir, exist_ok=True)
    owner, name, ref = _parse_repo_info(github)
    owner_name_branch = "_".join([owner, name, ref.replace("/", "_")])
    repo_dir = os.path.join(hub_dir, owner_name_branch)
    _check_repo_is_trusted(owner, name, owner_name_branch, trust_repo)
    if force_reload or not os.path.exists(repo_dir):
        # NOTE: torch would fetch the repo here (after validating the ref online) and fail with URLError offline
        if skip_validation:
            url = f"https://github.com/{owner}/{name}/zipball/{ref}"
            sys.stdout.write(f'Downloading: "{url}" to {os.path.join(hub_dir, ref.replace("/", "_") + ".zip")}\n')
        why = "force_reload=True needs a fresh download" if force_reload else "the repo is not in the cache"
        raise URLError(f"cannot fetch the hub repo {owner}/{name} at ref {ref!r} ({why}): {_OFFLINE}; put a copy "
                       f"of the repo at {repo_dir} or load it with source='local'")
    if verbose:
        sys.stderr.write(f"Using cache found in {repo_dir}\n")
    return repo_dir


def _load_entry_from_hubconf(module, model):
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    dependencies = getattr(module, VAR_DEPENDENCY, None) if VAR_DEPENDENCY in dir(module) else None
    if dependencies is not None:
        missing = [pkg for pkg in dependencies if importlib.util.find_spec(pkg) is None]
        if missing:
            raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")
    func = getattr(module, model) if model in dir(module) else None
    if func is None or not callable(func):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return func


def list(github, force_reload=False, skip_validation=False, trust_repo="check", verbose=True):  # noqa: A001
    """torch.hub.list: the public callables of a cached repo's hubconf.py."""
    module = _import_hubconf(_get_cache_or_reload(github, force_reload, trust_repo, verbose, skip_validation))
    return [f for f in dir(module) if callable(getattr(module, f)) and not f.startswith("_")]


def help(github, model, force_reload=False, skip_validation=False, trust_repo="check"):  # noqa: A001
    """torch.hub.help: the docstring of an entry point of a cached repo."""
    module = _import_hubconf(_get_cache_or_reload(github, force_reload, trust_repo, True, skip_validation))
    return _load_entry_from_hubconf(module, model).__doc__


def load(repo_or_dir, model, *args, source="github", trust_repo="check", force_reload=False, verbose=True,
         skip_validation=False, **kwargs):
    """torch.hub.load: call an entry point of a local folder's or a cached GitHub repo's hubconf.py."""
    source = source.lower()
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "github":
        repo_or_dir = _get_cache_or_reload(repo_or_dir, force_reload, trust_repo, verbose, skip_validation)
    with _add_to_sys_path(repo_or_dir):
        module = _import_hubconf(repo_or_dir)
        return _load_entry_from_hubconf(module, model)(*args, **kwargs)


# --- files --------------------------------------------------------------------------------------------------------

def download_url_to_file(url: str, dst: str, hash_prefix: str | None = None, progress: bool = True) -> None:
    """torch.hub.download_url_to_file for `file://` URLs; any other URL raises URLError (torchax is offline)."""
    dst = os.path.expanduser(dst)
    if urlparse(url).scheme != "file":
        raise URLError(f"{_OFFLINE}: cannot fetch {url!r} to {dst!r}; copy the file there yourself")
    for _ in range(tempfile.TMP_MAX):
        tmp_dst = dst + "." + uuid.uuid4().hex + ".partial"
        try:
            f = open(tmp_dst, "w+b")  # noqa: SIM115 - closed in finally, as torch does
        except FileExistsError:
            continue
        break
    else:
        raise FileExistsError(errno.EEXIST, "No usable temporary file name found")
    try:
        sha256 = hashlib.sha256() if hash_prefix is not None else None
        with urlopen(url) as u:
            while buffer := u.read(READ_DATA_CHUNK):
                f.write(buffer)
                if sha256 is not None:
                    sha256.update(buffer)
        f.close()
        if sha256 is not None:
            digest = sha256.hexdigest()
            if digest[:len(hash_prefix)] != hash_prefix:
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')
        shutil.move(f.name, dst)
    finally:
        f.close()
        if os.path.exists(f.name):
            os.remove(f.name)


def _is_legacy_zip_format(filename: str) -> bool:
    if zipfile.is_zipfile(filename):
        with zipfile.ZipFile(filename) as zf:
            infolist = zf.infolist()
        return len(infolist) == 1 and not infolist[0].is_dir()
    return False


def _legacy_zip_load(filename, model_dir, map_location, weights_only):
    warnings.warn("Falling back to the old format < 1.6. This support will be deprecated in favor of default zipfile "
                  "format introduced in 1.6. Please redo torch.save() to save it in the new zipfile format.",
                  FutureWarning, stacklevel=3)
    from torchax.serialization import load as _load

    with zipfile.ZipFile(filename) as f:
        members = f.infolist()
        if len(members) != 1:
            raise RuntimeError("Only one file(not dir) is allowed in the zipfile")
        name = os.path.normpath(members[0].filename)
        if os.path.isabs(name) or ".." in re.split(r"[/\\]", name):
            raise ValueError(f"Archive entry contains directory traversal: {members[0].filename}")
        f.extract(members[0], model_dir)
    return _load(os.path.join(model_dir, members[0].filename), map_location=map_location, weights_only=weights_only)


def load_state_dict_from_url(url: str, model_dir: str | None = None, map_location=None, progress: bool = True,
                             check_hash: bool = False, file_name: str | None = None,
                             weights_only: bool = False) -> dict[str, Any]:
    """torch.hub.load_state_dict_from_url: torch.load of the cached `<model_dir>/<file name>`; a file that is not
    cached is only fetched from a `file://` URL (otherwise URLError: torchax is offline)."""
    from torchax.serialization import load as _load

    if os.getenv("TORCH_MODEL_ZOO"):
        warnings.warn("TORCH_MODEL_ZOO is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
        match = HASH_REGEX.search(filename) if check_hash else None
        download_url_to_file(url, cached_file, match.group(1) if match else None, progress=progress)
    if _is_legacy_zip_format(cached_file):
        return _legacy_zip_load(cached_file, model_dir, map_location, weights_only)
    return _load(cached_file, map_location=map_location, weights_only=weights_only)

