"""The CI tier of the OpInfo sweep: every float32 OpInfo, its first samples, strict against the xfail table.

An OpInfo listed in conformance/opinfo/xfail.json (tier "ci") must fail, any other must pass, so a fix fails this
test until the table is regenerated: `python -m conformance.opinfo --ci --write`.
The full tier (all samples, float32/float64/int64/bfloat16) is `python -m conformance.opinfo --dtype ... --write`.
This file runs the even positions, test_opinfo_odd.py the odd ones (the suite's workers each take whole files).
"""

import pytest
from opinfo.ci import check, params


@pytest.mark.parametrize("opinfo", params(0))
def test_opinfo(opinfo):
    check(opinfo)
