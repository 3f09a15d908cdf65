"""OpInfo `error_inputs`, CI tier: for a fixed list of OpInfos (ERRORS_CI in conformance/opinfo/tiers.py) every
error input must give the outcome stored in conformance/opinfo/errors.json ("ok": torchax raises an instance of
torch's exception type; otherwise "no error", "missing" or the class torchax raised). A regression fails, and so
does a fix until the data is regenerated: `python -m conformance.opinfo --errors --write` (the full list of OpInfos,
numbers in conformance/OPINFO.md).
"""

import json
import os

import pytest
from opinfo.errors import ErrorRunner, error_ops
from opinfo.sweep import opinfo_id
from opinfo.tiers import ERRORS_CI

with open(os.path.join(os.path.dirname(__file__), "opinfo", "errors.json"), encoding="utf-8") as _f:
    EXPECTED = json.load(_f)

_BY_ID = {opinfo_id(o): o for o in error_ops()}


def test_errors_ci_list():
    assert len(ERRORS_CI) >= 40
    assert [n for n in ERRORS_CI if n not in _BY_ID or n not in EXPECTED] == []


@pytest.mark.parametrize("name", [n for n in ERRORS_CI if n in _BY_ID and n in EXPECTED])
def test_opinfo_errors(name):
    out = ErrorRunner(_BY_ID[name]).run(timeout=60)
    want = EXPECTED[name]["codes"]
    diff = [(i, w, g) for i, (w, g) in enumerate(zip(want, out.codes)) if w != g]
    assert out.codes == want, (f"{name}: (input, errors.json, now) {diff} ({len(out.codes)} inputs counted now, "
                               f"{len(want)} stored); first mismatch now: {out.reason or 'none'}")
