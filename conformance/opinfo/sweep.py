"""Run one OpInfo's sample inputs under torch and torchax and classify every difference.

For each sample: the function variant forward (values, dtypes, shapes) and its VJP with a seeded cotangent
(`torch.autograd.grad` vs `torchax.autograd.grad`), then the method and in-place variants forward. A
sample torch itself rejects is skipped. Random ops are seeded identically in both libraries (torchax
reproduces torch's CPU generator): an exact match passes, otherwise shapes/dtypes/statistics are compared
and the gradient is not. Sort-like ops with ties pass when their values agree and the indices select them.
"""

from __future__ import annotations

import contextlib
import itertools
import signal
import time
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

import torchax

from .compare import TOL, Mismatch, assert_close, assert_statistics, is_tensor, leaves, tensor_array
from .resolve import Missing, convert, counterpart

TIMEOUT = 120  # seconds per OpInfo in the full sweep

# ops whose values are random: compared by shape/dtype/statistics unless the seeded streams agree exactly
RANDOM = {
    "bernoulli", "cauchy", "exponential", "geometric", "log_normal", "multinomial", "normal", "uniform",
    "rand_like", "randint_like", "randn_like", "randint", "randn", "rand", "randperm",
    "nn.functional.dropout", "nn.functional.dropout2d", "nn.functional.dropout3d", "nn.functional.alpha_dropout",
    "nn.functional.feature_alpha_dropout", "nn.functional.rrelu", "nn.functional.fractional_max_pool2d",
    "nn.functional.fractional_max_pool3d", "svd_lowrank", "pca_lowrank", "nn.functional.multi_head_attention_forward",
}
# ops returning uninitialised memory: shape and dtype only
UNINITIALISED = {"empty", "empty_like", "new_empty", "new_empty_strided", "empty_strided", "empty_permuted"}
# ops whose index outputs may legitimately pick another of several equal elements
TIES = {"sort", "argsort", "topk", "kthvalue", "mode", "median", "nanmedian", "msort", "max", "min",
        "masked.median", "cummax", "cummin", "aminmax"}

# decompositions defined up to a sign/phase per vector: compared after the sample's output_process_fn_grad,
# which torch's own gradient tests use to make them unique
GAUGE = {"linalg.eigh", "linalg.eig", "linalg.svd", "svd", "svd_lowrank", "pca_lowrank", "linalg.eigvalsh"}

# operators whose result is not a tensor computation worth a gradient check
NO_GRAD = {"item", "tolist", "allclose", "equal", "isclose"}


@dataclass
class Outcome:
    """One OpInfo's result for one dtype."""

    op: str
    variants: str = ""
    fwd_ok: int = 0
    fwd_n: int = 0
    grad_ok: int = 0
    grad_n: int = 0
    skipped: int = 0
    kind: str = ""  # first failure's class ('' when it passes)
    reason: str = ""
    seconds: float = 0.0
    notes: set = field(default_factory=set)

    @property
    def passed(self) -> bool:
        return not self.kind and self.fwd_n > 0

    def fail(self, kind: str, reason: str):
        if not self.kind:
            self.kind, self.reason = kind, " ".join(reason.split())[:200]


class OpTimeout(BaseException):
    """Raised by SIGALRM in a slow OpInfo (a BaseException: the per-sample handlers must not swallow it)."""


def _alarm(signum, frame):
    raise OpTimeout


@contextlib.contextmanager
def time_limit(timeout: int | None):
    """Raise OpTimeout in the block after `timeout` seconds (none if falsy; main thread only), warnings ignored."""
    old = signal.signal(signal.SIGALRM, _alarm) if timeout else None
    if timeout:
        signal.alarm(timeout)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        if timeout:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)


def opinfo_id(op) -> str:
    return op.name + (f".{op.variant_test_name}" if op.variant_test_name else "")


def ops_for(dtype: torch.dtype):
    """The OpInfos supporting `dtype` on CPU, sorted by id."""
    from torch.testing._internal.common_methods_invocations import op_db

    # NOTE: importing torch's test utilities freezes torch.backends flags (disable_global_flags) for the whole
    # process; other tests in the same worker set them, as user scripts do
    torch.backends.flags_frozen.__globals__["__allow_nonbracketed_mutation_flag"] = True
    return sorted((o for o in op_db if dtype in o.supported_dtypes("cpu")), key=opinfo_id)


def _classify(e: BaseException) -> tuple[str, str]:
    if isinstance(e, Mismatch):
        return e.kind, str(e)
    if isinstance(e, Missing):
        return "missing op", str(e)
    text = f"{type(e).__name__}: {e}"
    if isinstance(e, NotImplementedError):
        return "not implemented", text
    if isinstance(e, AttributeError) and "torchax" in str(e) or "has no attribute" in str(e):
        return "missing op", text
    return "error", text


def _seeded(seed, fn):
    torch.manual_seed(seed)
    torchax.manual_seed(seed)
    return fn()


def _grad_inputs(args):
    return [t for _, t in leaves(args) if is_tensor(t) and t.requires_grad]


def _cotangents(outs, seed):
    rng = np.random.default_rng(seed)
    cots = []
    for o in outs:
        arr = rng.uniform(-1, 1, size=tuple(o.shape))
        if o.dtype.is_complex:
            arr = arr + 1j * rng.uniform(-1, 1, size=tuple(o.shape))
        cots.append(arr)
    return cots


def _differentiable_outputs(result):
    return [t for _, t in leaves(result) if isinstance(t, torch.Tensor) and t.requires_grad
            and (t.dtype.is_floating_point or t.dtype.is_complex)]


class Runner:
    """Runs one OpInfo at one dtype."""

    def __init__(self, opinfo, dtype: torch.dtype, max_samples: int | None = None, variants="fmi",
                 grad_samples: int | None = None):
        self.op, self.dtype, self.max_samples, self.want = opinfo, dtype, max_samples, variants
        self.grad_samples = grad_samples  # check the VJP on this many samples only (None: all)
        self.name = opinfo.name
        self.out = Outcome(opinfo_id(opinfo))
        self.tol_fwd = _with_overrides({k: v[0] for k, v in TOL.items()}, opinfo)
        self.tol_grad = _with_overrides({k: v[1] for k, v in TOL.items()}, opinfo)
        self.random = self.name in RANDOM or self.name in UNINITIALISED
        self.grad = (opinfo.supports_autograd and (dtype.is_floating_point or dtype.is_complex)
                     and self.name not in NO_GRAD and self.name not in UNINITIALISED)

    def run(self, timeout: int | None = None) -> Outcome:
        """Run every sample; with `timeout` (seconds, main thread only) a slow OpInfo fails as 'timeout'."""
        start = time.perf_counter()
        with time_limit(timeout):
            try:
                self._run()
            except OpTimeout:
                self.out.kind, self.out.reason = "", ""
                self.out.fail("timeout", f"over {timeout}s (after {self.out.fwd_n} forward samples)")
            except Exception as e:  # noqa: BLE001 - a failure of the sweep itself is a result
                self.out.fail(*_classify(e))
        self.out.seconds = time.perf_counter() - start
        return self.out

    def _variants(self):
        op, got = self.op, []
        for tag, fn in (("f", op.op), ("m", op.method_variant), ("i", op.inplace_variant)):
            if fn is None or tag not in self.want:
                continue
            try:
                got.append((tag, fn, counterpart(fn, self.name)))
            except Missing as e:
                got.append((tag, fn, e))
        self.out.variants = "".join(t for t, _, _ in got)
        return got

    def _run(self):
        variants = self._variants()
        samples = self.op.sample_inputs("cpu", self.dtype, requires_grad=self.grad)
        for i, sample in enumerate(itertools.islice(samples, self.max_samples)):
            for tag, tfn, xfn in variants:
                self._variant(i, sample, tag, tfn, xfn)
        if self.out.fwd_n == 0 and not self.out.kind:
            self.out.fail("n/a", "torch runs none of the samples on CPU")

    def _variant(self, i, sample, tag, tfn, xfn):
        inplace = tag == "i"
        args = (sample.input, *sample.args)
        kwargs = dict(sample.kwargs)
        if inplace or tag == "m" and self.grad:
            args, kwargs = _detached((args, kwargs))
        seed = 1234 + i
        try:
            converted = convert((args, kwargs))  # before torch runs: an in-place variant mutates its input
        except Missing as e:
            converted = e
        try:
            expected = _seeded(seed, lambda: tfn(*args, **kwargs))
        except Exception:  # noqa: BLE001 - torch rejects this sample for this variant
            self.out.skipped += 1
            return
        self.out.fwd_n += 1
        for missing in (xfn, converted):
            if isinstance(missing, Missing):
                self.out.fail("missing op", str(missing))
                return
        try:
            xargs, xkwargs = converted
            actual = _seeded(seed, lambda: xfn(*xargs, **xkwargs))
            self._compare(actual, expected, args, kwargs, sample.output_process_fn_grad)
            if inplace:
                assert_close(xargs[0], args[0], self.tol_fwd, "mutated input")
            self.out.fwd_ok += 1
        except Exception as e:  # noqa: BLE001
            self.out.fail(*_classify(e))
            return
        if tag == "f" and self.grad and "random" not in self.out.notes and (
                self.grad_samples is None or i < self.grad_samples):
            self._grad(i, sample, expected, args, kwargs, xargs, xkwargs, actual)

    def _compare(self, actual, expected, args, kwargs, process):
        if self.name in UNINITIALISED:
            assert_statistics(actual, expected)
            self.out.notes.add("random")
            return
        if self.random:
            try:
                assert_close(actual, expected, self.tol_fwd)
            except Mismatch:
                assert_statistics(actual, expected)
                self.out.notes.add("random")
            return
        try:
            assert_close(actual, expected, self.tol_fwd)
        except Mismatch:
            if self.name in GAUGE:
                assert_close(process(actual), process(expected), self.tol_fwd)
                self.out.notes.add("gauge")
                return
            if self.name not in TIES or not _ties_agree(self.name, actual, expected, args, kwargs):
                raise
            self.out.notes.add("ties")

    def _grad(self, i, sample, expected, args, kwargs, xargs, xkwargs, actual):
        fn = sample.output_process_fn_grad
        try:
            outs = _differentiable_outputs(fn(expected))
            ins = _grad_inputs((args, kwargs))
            if not outs or not ins:
                return
            cots = _cotangents(outs, 99 + i)
            tcots = [torch.from_numpy(c).to(o.dtype) for c, o in zip(cots, outs)]
            tgrads = torch.autograd.grad(outs, ins, tcots, allow_unused=True)
        except Exception:  # noqa: BLE001 - torch cannot differentiate this sample
            return
        self.out.grad_n += 1
        try:
            xouts = [t for _, t in leaves(fn(actual)) if is_tensor(t)]
            xouts = [xo for xo, (_, eo) in zip(xouts, [(p, t) for p, t in leaves(fn(expected)) if is_tensor(t)])
                     if eo.requires_grad and (eo.dtype.is_floating_point or eo.dtype.is_complex)]
            xins = _grad_inputs((xargs, xkwargs))
            if len(xouts) != len(outs) or len(xins) != len(ins):
                raise Mismatch("grad mismatch", f"{len(xouts)} differentiable outputs, {len(xins)} inputs vs "
                                                f"torch's {len(outs)}, {len(ins)}")
            not_diff = [j for j, o in enumerate(xouts) if not o.requires_grad]
            if not_diff:
                raise Mismatch("grad missing", f"output {not_diff[0]} does not require grad")
            xcots = [convert(c) for c in tcots]
            xgrads = torchax.autograd.grad(xouts, xins, xcots, allow_unused=True)
            for j, (a, e, x) in enumerate(zip(xgrads, tgrads, ins)):
                e = torch.zeros_like(x) if e is None else e
                a = torchax.zeros_like(xins[j]) if a is None else a
                try:
                    assert_close(a, e, self.tol_grad, f"grad[{j}]")
                except Mismatch as m:
                    raise Mismatch("grad mismatch", str(m)) from None
            self.out.grad_ok += 1
        except Exception as e:  # noqa: BLE001
            kind, why = _classify(e)
            self.out.fail(kind if kind.startswith("grad") else "grad " + kind, why)


def _detached(tree):
    """A copy of the sample's arguments with fresh tensors that do not require grad (in-place variants)."""
    memo = {}

    def go(x):
        if isinstance(x, torch.Tensor):
            if id(x) not in memo:
                memo[id(x)] = x.detach().clone()
            return memo[id(x)]
        if isinstance(x, list):
            return [go(v) for v in x]
        if isinstance(x, tuple):
            return tuple(go(v) for v in x)
        if isinstance(x, dict):
            return {k: go(v) for k, v in x.items()}
        return x

    return go(tree)


def _ties_agree(name, actual, expected, args, kwargs) -> bool:
    """Sort-like results: the float values agree and every index output selects equal input elements."""
    a_leaves, e_leaves = leaves(actual), leaves(expected)
    if [p for p, _ in a_leaves] != [p for p, _ in e_leaves]:
        return False
    src = args[0]
    for (_, a), (_, e) in zip(a_leaves, e_leaves):
        if not is_tensor(e):
            continue
        if e.dtype != torch.int64 or not isinstance(src, torch.Tensor) or e.dtype == src.dtype:
            try:
                assert_close(a, e, {k: v[0] for k, v in TOL.items()})
            except Mismatch:
                return False
            continue
        if tuple(a.shape) != tuple(e.shape):
            return False
        ai, ei = tensor_array(a), tensor_array(e)
        s = tensor_array(src)
        if name == "argsort" or ai.shape == s.shape and ai.ndim:
            dim = _dim_of(name, args, kwargs, -1)
            pa, pe = np.take_along_axis(s, ai, dim % s.ndim), np.take_along_axis(s, ei, dim % s.ndim)
        else:  # a reduction's indices: the values at those positions
            dim = _dim_of(name, args, kwargs, None)
            if dim is None or s.ndim == 0:
                pa, pe = s.ravel()[ai], s.ravel()[ei]
            else:
                pa = np.take_along_axis(s, np.expand_dims(ai, dim) if ai.ndim < s.ndim else ai, dim)
                pe = np.take_along_axis(s, np.expand_dims(ei, dim) if ei.ndim < s.ndim else ei, dim)
        if not np.array_equal(pa, pe, equal_nan=True):
            return False
    return True


def _dim_of(name, args, kwargs, default):
    """The `dim` argument of a sort-like call (topk/kthvalue take `k` first)."""
    if "dim" in kwargs:
        return kwargs["dim"]
    ints = [v for v in args[1:] if isinstance(v, int) and not isinstance(v, bool)]
    ints = ints[1:] if name in ("topk", "kthvalue") else ints
    return ints[0] if ints else default


def work(job) -> dict:
    """(dtype name, samples, index into ops_for(dtype), variants, grad samples) -> the Outcome as a dict."""
    dtype_name, samples, idx, variants, grad_samples = job
    dtype = getattr(torch, dtype_name)
    out = Runner(ops_for(dtype)[idx], dtype, samples, variants, grad_samples).run(timeout=TIMEOUT)
    row = asdict(out)
    row["notes"] = sorted(out.notes)
    row["passed"] = out.passed
    return row


def _with_overrides(tol: dict, opinfo) -> dict:
    """Widen the default tolerances to those torch's own tests grant this OpInfo (its toleranceOverride decorators)."""
    from torch.testing._internal.common_device_type import toleranceOverride

    out = dict(tol)
    for info in opinfo.decorators or ():
        for dec in getattr(info, "decorators", None) or [info]:
            if not isinstance(dec, toleranceOverride):
                continue
            for dt, t in dec.d.items():
                name = str(dt).replace("torch.", "")
                if name in out:
                    rtol, atol = out[name]
                    out[name] = (max(rtol, t.rtol), max(atol, t.atol))
    return out
