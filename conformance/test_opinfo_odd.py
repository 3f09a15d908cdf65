"""The odd positions of the OpInfo CI tier (see test_opinfo.py)."""

import pytest
from opinfo.ci import check, params


@pytest.mark.parametrize("opinfo", params(1))
def test_opinfo(opinfo):
    check(opinfo)
