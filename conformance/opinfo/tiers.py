"""The CI tier: what conformance/test_opinfo.py runs, and the OpInfos it leaves to the full tier (with why).

The CI tier must fit its time budget (~95 s on this project's 2-core machine, torch's sample generation included),
so the OpInfos that cost most in the last CI-tier sweep are left to the full tier; `python -m conformance.opinfo --ci
--write --ci-budget 400` recomputes that list (ci_excluded.json) from results.json, keeping the cheapest OpInfos
whose summed sweep seconds fit the budget (measured: 830 sweep-seconds ran in 168 s of pytest CPU time).
"""

import json
import os

FAST_DTYPE = "float32"
FAST_SAMPLES = 2
FAST_VARIANTS = "f"  # the function variant (the full tier adds the method and in-place variants)
FAST_GRAD_SAMPLES = 1  # the VJP on the first sample

# OpInfos whose error_inputs conformance/test_opinfo_errors.py runs against errors.json: cheap ones, covering the
# op families (pointwise, reductions, shape, indexing, linalg, fft, nn.functional) and both outcomes
ERRORS_CI: tuple[str, ...] = (
    # fft, special
    "fft.fft", "fft.rfft2", "fft.ihfftn", "special.chebyshev_polynomial_t", "special.zeta", "special.xlog1py",
    # pointwise (scalar operands, dtypes, out=)
    "heaviside", "hypot", "nextafter", "float_power", "pow", "rsub", "igamma", "gcd", "polar", "logical_and",
    "gt", "bitwise_xor", "xlogy", "__rdiv__", "__rmul__",
    # shape, reductions, indexing
    "hsplit", "dsplit", "hstack", "unbind", "t_copy", "tril", "rot90", "diag", "diff", "trace", "renorm",
    "min.binary", "index_add", "bucketize",
    # nn.functional
    "nn.functional.hardtanh", "nn.functional.margin_ranking_loss", "nn.functional.huber_loss",
    "nn.functional.poisson_nll_loss", "nn.functional.avg_pool1d", "nn.functional.adaptive_max_pool2d",
    "nn.functional.embedding", "nn.functional.linear_cross_entropy.chunked_none",
    # linalg, creation, random, windows
    "linalg.lstsq", "eye", "normal.in_place", "signal.windows.bartlett",
)

_EXCLUDED = os.path.join(os.path.dirname(__file__), "ci_excluded.json")


def load_excluded() -> dict:
    if not os.path.exists(_EXCLUDED):
        return {}
    with open(_EXCLUDED, encoding="utf-8") as f:
        return json.load(f)


# OpInfo id -> why the CI tier skips it (the full tier runs it; OPINFO.md lists these)
FAST_EXCLUDED: dict[str, str] = load_excluded()


def exclusions(rows: dict, budget: float) -> dict[str, str]:
    """The costliest OpInfos of a CI-tier run (id -> row) beyond `budget` summed seconds."""
    acc, out = 0.0, {}
    for op, row in sorted(rows.items(), key=lambda kv: (kv[1]["seconds"], kv[0])):
        acc += row["seconds"]
        if acc > budget:
            out[op] = f"CI time budget: {row['seconds']:.1f} s in the CI-tier sweep; the full tier runs it"
    return out


def write_exclusions(rows: dict, budget: float) -> None:
    with open(_EXCLUDED, "w", encoding="utf-8") as f:
        json.dump(exclusions(rows, budget), f, indent=1, sort_keys=True)
        f.write("\n")
