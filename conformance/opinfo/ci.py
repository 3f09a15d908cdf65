"""The CI tier's check of one OpInfo, shared by conformance/test_opinfo.py and test_opinfo_odd.py."""

import json
import os

import pytest
import torch

from .sweep import Runner, opinfo_id, ops_for
from .tiers import FAST_DTYPE, FAST_EXCLUDED, FAST_GRAD_SAMPLES, FAST_SAMPLES, FAST_VARIANTS

TIER = "ci"
with open(os.path.join(os.path.dirname(__file__), "xfail.json"), encoding="utf-8") as _f:
    XFAIL = json.load(_f).get(TIER, {})


def params(part: int):
    """pytest params for half `part` (0 or 1) of the float32 OpInfos: the two files share the suite's workers."""
    return [pytest.param(o, id=opinfo_id(o)) for o in ops_for(getattr(torch, FAST_DTYPE))[part::2]]


def check(opinfo) -> None:
    """Pass iff the OpInfo passes, unless xfail.json lists it: then it must fail."""
    name = opinfo_id(opinfo)
    if name in FAST_EXCLUDED:  # listed with its reason in OPINFO.md; the full tier runs it
        pytest.skip(f"CI tier excludes {name}: {FAST_EXCLUDED[name]}")
    out = Runner(opinfo, getattr(torch, FAST_DTYPE), FAST_SAMPLES, FAST_VARIANTS, FAST_GRAD_SAMPLES).run(timeout=60)
    expected = XFAIL.get(name)
    if expected is None:
        assert out.passed, f"{name}: {out.kind}: {out.reason}"
    else:
        assert not out.passed, f"{name} passes now but xfail.json lists it ({expected}): regenerate the table"
