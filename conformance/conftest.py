"""Conformance-suite setup: the harness import path, and KNOWN_DIFFERENCES.md as the xfail table.

Each row of the table in KNOWN_DIFFERENCES.md names the tests that pin it (test ids in backticks in the
last column); those tests are marked strict xfail with the row's text as the reason. A pinned test that
starts passing fails the suite, and the row must go.
"""

import os
import re
import sys

import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, HERE)


def known_differences() -> dict[str, str]:
    """{test id: difference} from the table rows of KNOWN_DIFFERENCES.md."""
    out = {}
    with open(os.path.join(HERE, "KNOWN_DIFFERENCES.md"), encoding="utf-8") as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 3 or not line.startswith("|"):
                continue
            for test_id in re.findall(r"`(conformance/[^`]+::[^`]+)`", cells[-1]):
                out[test_id] = cells[0]
    return out


def pytest_collection_modifyitems(config, items):
    table = known_differences()
    seen = set()
    for item in items:
        reason = table.get(item.nodeid) or table.get(item.nodeid.split("[", 1)[0])  # a bare name pins every case
        if reason is not None:
            seen.add(item.nodeid)
            item.add_marker(pytest.mark.xfail(strict=True, reason="KNOWN_DIFFERENCES: " + reason))
    config._known_differences_seen = seen


def pytest_terminal_summary(terminalreporter):
    """The seed-example pass count, as the README states it."""
    stats = terminalreporter.stats
    runs = [r for key in ("passed", "failed", "xfailed", "xpassed") for r in stats.get(key, [])
            if "test_seed_example[" in getattr(r, "nodeid", "") and r.when == "call"]
    if runs:
        ok = sum(1 for r in runs if r.outcome == "passed" and not hasattr(r, "wasxfail"))
        terminalreporter.write_line(f"seed examples: {ok}/{len(runs)} print torch's output under torchax")
