"""`python -m conformance.opinfo [--ci | --errors | --dtype DTYPES [--samples N]] [--ops NAMES] [--jobs 2] [--write]`.

Runs the sweep; with --write, stores the results (conformance/opinfo/results.json), the expected failures
(conformance/opinfo/xfail.json, keyed by tier: "ci" for the CI tier, "float32" for all samples of every variant,
"float32@N" for N samples) and renders conformance/OPINFO.md from every tier stored.
--errors runs every OpInfo's `error_inputs` instead (conformance/opinfo/errors.py) and stores conformance/opinfo/
errors.json, which conformance/test_opinfo_errors.py checks a fixed list of OpInfos against.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time

from .tiers import FAST_DTYPE, FAST_GRAD_SAMPLES, FAST_SAMPLES, FAST_VARIANTS

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results.json")
XFAIL = os.path.join(HERE, "xfail.json")
TABLE = os.path.join(os.path.dirname(HERE), "OPINFO.md")
ERRORS = os.path.join(HERE, "errors.json")


CI_KEY = "ci"


def tier_key(dtype: str, samples: int | None) -> str:
    return dtype if samples is None else f"{dtype}@{samples}"


def run(dtype: str, samples: int | None, only: str | None, jobs: int, variants="fmi", grad_samples=None) -> list[dict]:
    import torch

    from .sweep import opinfo_id, ops_for, work

    ops = ops_for(getattr(torch, dtype))
    wanted = None if only is None else set(only.split(","))
    idx = [i for i, o in enumerate(ops) if wanted is None or o.name in wanted or opinfo_id(o) in wanted
           or o.name.split(".")[0] in wanted]
    jobs_list = [(dtype, samples, i, variants, grad_samples) for i in idx]
    rows = []
    start = time.perf_counter()
    if jobs > 1:
        with multiprocessing.get_context("spawn").Pool(jobs, maxtasksperchild=50) as pool:
            for row in pool.imap_unordered(work, jobs_list):
                rows.append(row)
                _progress(row, len(rows), len(jobs_list))
    else:
        for job in jobs_list:
            rows.append(work(job))
            _progress(rows[-1], len(rows), len(jobs_list))
    rows.sort(key=lambda r: r["op"])
    ok = sum(r["passed"] for r in rows)
    print(f"{dtype} samples={samples or 'all'}: {ok}/{len(rows)} OpInfos pass ({time.perf_counter() - start:.0f}s)")
    return rows


def run_errors(only: str | None, jobs: int) -> list[dict]:
    """Every OpInfo with error_inputs (or those named in `only`): which exception torchax raises for each."""
    from .errors import error_ops, work as error_work
    from .sweep import opinfo_id

    ops = error_ops()
    wanted = None if only is None else set(only.split(","))
    idx = [i for i, o in enumerate(ops) if wanted is None or o.name in wanted or opinfo_id(o) in wanted]
    rows = []
    start = time.perf_counter()
    if jobs > 1:
        with multiprocessing.get_context("spawn").Pool(jobs, maxtasksperchild=50) as pool:
            rows = list(pool.imap_unordered(error_work, idx))
    else:
        rows = [error_work(i) for i in idx]
    for i, r in enumerate(sorted(rows, key=lambda r: r["op"])):
        mark = "ok  " if r["ok"] == r["n"] else "FAIL"
        print(f"[{i + 1}/{len(rows)}] {mark} {r['op']:<45} {r['ok']}/{r['n']} {r['seconds']:5.1f}s {r['reason'][:100]}")
    ok, n = sum(r["ok"] for r in rows), sum(r["n"] for r in rows)
    print(f"error_inputs: {ok} of {n} raise torch's exception type ({100 * ok / max(n, 1):.1f}%), "
          f"{sum(r['skipped'] for r in rows)} not counted, {len(rows)} OpInfos ({time.perf_counter() - start:.0f}s)")
    return rows


def write_errors(rows: list[dict], merge: bool = False):
    """Store the error_inputs rows (merge: replace only these OpInfos') and re-render OPINFO.md."""
    stored = _load(ERRORS) if merge else {}
    stored.update({r.pop("op"): r for r in rows})
    with open(ERRORS, "w", encoding="utf-8") as f:
        json.dump(stored, f, indent=0, sort_keys=True)
        f.write("\n")
    from .report import render

    with open(TABLE, "w", encoding="utf-8") as f:
        f.write(render(_load(RESULTS)))


def _progress(row, i, n):
    mark = "ok  " if row["passed"] else "FAIL"
    print(f"[{i}/{n}] {mark} {row['op']:<45} {row['seconds']:5.1f}s {row['kind']}: {row['reason'][:100]}",
          flush=True)


def _load(path):
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    return {}


def write(key: str, rows: list[dict], merge: bool = False):
    """Store a tier's rows (merge: replace only these OpInfos' rows, as after `--ops`)."""
    results = _load(RESULTS)
    results[key] = {**(results.get(key, {}) if merge else {}), **{r.pop("op"): r for r in rows}}
    with open(RESULTS, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=0, sort_keys=True)
        f.write("\n")
    xfail = {k: {op: f"{r['kind']}: {r['reason']}" for op, r in v.items() if not r["passed"]}
             for k, v in results.items()}
    with open(XFAIL, "w", encoding="utf-8") as f:
        json.dump(xfail, f, indent=1, sort_keys=True)
        f.write("\n")
    from .report import render

    with open(TABLE, "w", encoding="utf-8") as f:
        f.write(render(results))


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m conformance.opinfo", description=__doc__)
    p.add_argument("--dtype", default="float32", help="comma-separated: float32,float64,int64,bfloat16")
    p.add_argument("--samples", type=int, default=None, help="samples per OpInfo (default: all)")
    p.add_argument("--ops", default=None, help="comma-separated OpInfo names or ids, or namespaces (fft, masked)")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--ci", action="store_true", help="the CI tier's configuration (conformance/opinfo/tiers.py)")
    p.add_argument("--ci-budget", type=float, default=None, help="with --ci --write: recompute the OpInfos the CI "
                   "tier leaves out, keeping the cheapest within this many sweep-seconds")
    p.add_argument("--write", action="store_true", help="store results, xfail.json and OPINFO.md (with --ops: "
                   "update those rows)")
    p.add_argument("--errors", action="store_true", help="run every OpInfo's error_inputs (errors.json)")
    a = p.parse_args(argv)
    if a.errors:
        rows = run_errors(a.ops, a.jobs)
        if a.write:
            write_errors(rows, merge=bool(a.ops))
        return
    if a.ci:
        rows = run(FAST_DTYPE, FAST_SAMPLES, a.ops, a.jobs, FAST_VARIANTS, FAST_GRAD_SAMPLES)
        if a.write:
            if a.ci_budget is not None:
                from .tiers import write_exclusions

                write_exclusions(_load(RESULTS).get(CI_KEY, {}) if a.ops else {r["op"]: r for r in rows}, a.ci_budget)
            write(CI_KEY, rows, merge=bool(a.ops))
        return
    for dtype in a.dtype.split(","):
        rows = run(dtype, a.samples, a.ops, a.jobs)
        if a.write:
            write(tier_key(dtype, a.samples), rows, merge=bool(a.ops))


if __name__ == "__main__":
    main()
