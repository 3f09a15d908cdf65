"""OpInfo `error_inputs`: does torchax raise torch's exception type for every input torch rejects?

torch's own check (test_ops.py `test_errors`) calls the OpInfo's function variant on each ErrorInput's sample inside
`assertRaisesRegex(error_type, error_regex)`, i.e. the raised exception must be an instance of `error_type`. Here the
sample is converted to torchax tensors as the forward sweep converts it (before torch runs: `out=` samples mutate),
torch runs first (an input torch does not reject with the documented type on CPU is not counted), then torchax's
counterpart of the op. Each counted input gets a code: "ok" (an instance of torch's type), "no error", "missing"
(torchax lacks the op) or the name of the exception class torchax raised instead. Whether the message also matches
torch's regex is counted too, as a statistic only.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field

import torch

from .resolve import Missing, convert, counterpart
from .sweep import OpTimeout, opinfo_id, time_limit

TIMEOUT = 60  # seconds per OpInfo


@dataclass
class ErrorOutcome:
    """One OpInfo's error inputs."""

    op: str
    codes: list = field(default_factory=list)  # one per counted error input, in error_inputs order
    regex: int = 0  # counted inputs whose torchax message also matches torch's error_regex
    skipped: int = 0  # inputs torch does not reject as documented on CPU, or whose sample cannot be converted
    reason: str = ""  # the first mismatch, for the table
    seconds: float = 0.0

    @property
    def n(self) -> int:
        return len(self.codes)

    @property
    def ok(self) -> int:
        return self.codes.count("ok")


def error_ops():
    """The OpInfos with error_inputs, sorted by id (torch's test_errors runs these), less the CUDA-only jiterator
    ones (torch itself cannot run them on CPU; the forward sweep counts them `n/a`)."""
    from torch.testing._internal.common_methods_invocations import op_db

    # importing torch's test utilities freezes torch.backends flags for the process: unfreeze them, as sweep does
    torch.backends.flags_frozen.__globals__["__allow_nonbracketed_mutation_flag"] = True
    return sorted((o for o in op_db if o.error_inputs_func is not None and not _cuda_only(o)), key=opinfo_id)


def _cuda_only(opinfo) -> bool:
    return getattr(opinfo.op, "__module__", "").startswith("torch.cuda")


def _type_name(t) -> str:
    return " | ".join(c.__name__ for c in t) if isinstance(t, tuple) else t.__name__


def _short(e: BaseException) -> str:
    return " ".join(str(e).split())[:120]


class ErrorRunner:
    """Runs one OpInfo's error inputs under torch and torchax."""

    def __init__(self, opinfo):
        self.op = opinfo
        self.out = ErrorOutcome(opinfo_id(opinfo))

    def run(self, timeout: int | None = TIMEOUT) -> ErrorOutcome:
        start = time.perf_counter()
        with time_limit(timeout):
            try:
                self._run()
            except OpTimeout:
                self.out.codes.append("timeout")
                self.out.reason = self.out.reason or f"timeout: over {timeout}s"
            except Exception as e:  # noqa: BLE001 - torch's generator failing is a result, not a crash
                self.out.reason = self.out.reason or f"error_inputs failed: {type(e).__name__}: {_short(e)}"
        self.out.seconds = time.perf_counter() - start
        return self.out

    def _run(self):
        try:
            xfn = counterpart(self.op.op, self.op.name)
        except Missing as e:
            xfn = e
        for i, ei in enumerate(self.op.error_inputs("cpu")):
            self._one(i, ei, xfn)

    def _one(self, i, ei, xfn):
        s = ei.sample_input
        args, kwargs = (s.input, *s.args), dict(s.kwargs)
        try:
            converted = convert((args, kwargs))
        except Exception:  # noqa: BLE001 - no torchax counterpart (sparse, meta device, over 64 dims for numpy)
            converted = None
        try:
            self.op.op(*args, **kwargs)
            torch_raised = None
        except Exception as e:  # noqa: BLE001
            torch_raised = e
        if not isinstance(torch_raised, ei.error_type) or converted is None:
            self.out.skipped += 1
            return
        if isinstance(xfn, Missing):
            self._record(i, ei, "missing", str(xfn))
            return
        xargs, xkwargs = converted
        try:
            xfn(*xargs, **xkwargs)
        except OpTimeout:
            raise
        except Exception as e:  # noqa: BLE001 - the point: which exception torchax raises
            if isinstance(e, ei.error_type):
                self.out.codes.append("ok")
                self.out.regex += bool(re.search(ei.error_regex, str(e)))
            else:
                self._record(i, ei, type(e).__name__, f"{type(e).__name__}: {_short(e)}")
            return
        self._record(i, ei, "no error", "no error")

    def _record(self, i, ei, code, why):
        self.out.codes.append(code)
        if not self.out.reason:
            want = f"{_type_name(ei.error_type)} ({ei.error_regex!r})"
            self.out.reason = f"input {i}: torch raises {want}, torchax: {why}"


def work(idx: int) -> dict:
    """Index into error_ops() -> the ErrorOutcome as a dict (a multiprocessing job)."""
    out = ErrorRunner(error_ops()[idx]).run()
    row = asdict(out)
    row["n"], row["ok"] = out.n, out.ok
    return row
