"""Tracebacks under `torchax run` that read like torch's: the user's frames and the error, not torchax's engine.

An uncaught error in a script shows, as under torch, the script's frames (the line that called the torch API
included) and the exception's `TypeName: message`. Frames of torchax, JAX and jaxlib are dropped, and so are
frames of the standard library and of torchax's own dependencies when torchax called them (a user's call into
`json` or `numpy` keeps its frames). The same filter applies to a traceback that another process formatted
into the message (a DataLoader worker's "Original Traceback"), and JAX's note "For simplicity, JAX has removed
its internal frames ..." is left out. The exception object itself keeps its type and message.

`TORCHAX_TRACEBACK=full` shows every frame (and turns JAX's own frame filtering off).
"""

from __future__ import annotations

import os
import re
import site
import sys
import sysconfig
import traceback
import types

ENV = "TORCHAX_TRACEBACK"

_TORCHAX_DIR = os.path.dirname(os.path.abspath(__file__))
# top-level packages that are torchax's engine: never the user's code
_ENGINE = frozenset({"jax", "jaxlib", "torchax"})
# torchax's dependencies: their frames are shown only when the user called them directly
_DEPENDENCIES = frozenset({
    "numpy", "optax", "flax", "chex", "ml_dtypes", "opt_einsum", "scipy", "PIL", "tensorboardX", "cloudpickle",
    "google", "absl", "etils", "orbax", "msgpack", "typing_extensions", "toolz", "treescope",
})
_JAX_NOTE = "For simplicity, JAX has removed its internal frames"
_FRAME_LINE = re.compile(r'^  File "(?P<file>[^"]*)", line \d+, in ')

ENGINE, LIBRARY, USER = "engine", "library", "user"


def full() -> bool:
    """Whether the user asked for unfiltered tracebacks."""
    return os.environ.get(ENV, "").lower() in ("full", "all", "1", "off")


def _site_dirs() -> tuple[str, ...]:
    dirs = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    dirs.update(getattr(site, "getsitepackages", list)())
    user = getattr(site, "getusersitepackages", lambda: None)()
    if isinstance(user, str):
        dirs.add(user)
    return tuple(os.path.join(os.path.abspath(d), "") for d in dirs)


_SITE = _site_dirs()
_STDLIB = tuple(os.path.join(os.path.abspath(sysconfig.get_paths()[k]), "") for k in ("stdlib", "platstdlib"))


def kind(filename: str) -> str:
    """ENGINE (torchax, JAX), LIBRARY (stdlib, torchax's dependencies) or USER, for a frame's file name."""
    if filename.startswith("<"):
        return ENGINE if filename.startswith("<frozen importlib") else LIBRARY
    path = os.path.abspath(filename)
    if path.startswith(os.path.join(_TORCHAX_DIR, "")):
        return ENGINE
    for d in _SITE:
        if path.startswith(d):
            top = path[len(d):].split(os.sep, 1)[0]
            top = top.split(".", 1)[0] if top.endswith(".py") else top
            if top in _ENGINE:
                return ENGINE
            return LIBRARY if top in _DEPENDENCIES else USER
    if path.startswith(_STDLIB):
        return LIBRARY
    return USER


def visible(filenames: list[str]) -> list[bool]:
    """Which frames (outermost first) to show: user frames, and library frames that no engine frame called."""
    shown, caller_is_engine = [], False
    for name in filenames:
        k = kind(name)
        if k == LIBRARY:
            shown.append(not caller_is_engine)
        else:
            caller_is_engine = k == ENGINE
            shown.append(k == USER)
    return shown


def _frames(tb) -> list:
    out = []
    while tb is not None:
        out.append(tb)
        tb = tb.tb_next
    return out


def filter_tb(tb):
    """A new traceback chain holding only the visible frames of `tb`."""
    entries = _frames(tb)
    keep = [t for t, v in zip(entries, visible([t.tb_frame.f_code.co_filename for t in entries])) if v]
    new = None
    for t in reversed(keep):
        new = types.TracebackType(new, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return new


def filter_text(text: str) -> str:
    """`text` with the engine frames of any formatted traceback in it removed (a worker's "Original Traceback")."""
    lines = text.split("\n")
    for k in range(len(lines) - 1, 0, -1):  # JAX's note, as formatted after the message
        if lines[k].startswith(_JAX_NOTE) and lines[k - 1] == "-" * 20:
            del lines[k - 1:k + 1]
    blocks, i = [], 0  # (frame file or None, lines)
    while i < len(lines):
        m = _FRAME_LINE.match(lines[i])
        j = i + 1
        if m:
            while j < len(lines) and lines[j].startswith("    "):
                j += 1
        blocks.append((m.group("file") if m else None, lines[i:j]))
        i = j
    out, run = [], []
    for block in blocks + [(None, None)]:  # a run of consecutive frames is filtered as one call chain
        if block[0] is not None:
            run.append(block)
            continue
        for (_, blines), show in zip(run, visible([f for f, _ in run])):
            if show:
                out.extend(blines)
        run = []
        if block[1] is not None:
            out.extend(block[1])
    return "\n".join(out)


def _engine_only(e: BaseException) -> bool:
    """Whether `e` was raised and caught entirely inside torchax/JAX (no user frame in its traceback)."""
    entries = _frames(e.__traceback__)
    return bool(entries) and not any(visible([t.tb_frame.f_code.co_filename for t in entries]))


def clean(e: BaseException, tb) -> None:
    """Set `e`'s traceback to the visible frames of `tb`, and filter those of the exceptions it chains."""
    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        e.__traceback__ = filter_tb(tb)
        notes = getattr(e, "__notes__", None)
        if notes:
            e.__notes__ = [n for n in notes if _JAX_NOTE not in n]
            if not e.__notes__:
                del e.__notes__
        nxt = e.__cause__ if e.__cause__ is not None else (None if e.__suppress_context__ else e.__context__)
        if nxt is not None and _engine_only(nxt):  # torchax's internal error handling, not the user's
            e.__cause__, e.__suppress_context__ = None, True
            nxt = None
        e, tb = nxt, nxt.__traceback__ if nxt is not None else None


def format_exception(e: BaseException) -> str:
    """The text Python would print for `e` (already cleaned), with engine frames removed from its message too."""
    return "".join(filter_text(part) for part in traceback.format_exception(type(e), e, e.__traceback__))


def report(e: BaseException, tb) -> None:
    """Print a script's uncaught error (traceback `tb`) as `python script.py` would, minus engine frames."""
    if full():
        sys.excepthook(type(e), e, tb)
        return
    clean(e, tb)
    if sys.excepthook is not sys.__excepthook__:  # the script installed its own hook: give it the cleaned error
        sys.excepthook(type(e), e, e.__traceback__)
        return
    sys.stderr.write(format_exception(e))
    sys.stderr.flush()
