"""KNOWN_DIFFERENCES.md is well formed: every row is pinned by at least one test that exists."""

import os
import re

ROOT = os.path.dirname(os.path.dirname(__file__))


def _rows():
    with open(os.path.join(ROOT, "conformance", "KNOWN_DIFFERENCES.md"), encoding="utf-8") as f:
        lines = [line for line in f if line.startswith("|") and not line.startswith("|---")]
    return [line for line in lines if "pinned by (test ids)" not in line]  # not the header rows


def test_every_row_is_pinned_by_an_existing_test():
    for row in _rows():
        ids = re.findall(r"`(conformance/[^`]+::[^`]+)`", row)
        assert ids, f"row pinned by no test: {row}"
        for test_id in ids:
            path, name = test_id.split("::", 1)
            with open(os.path.join(ROOT, path), encoding="utf-8") as f:
                source = f.read()
            func = name.split("[", 1)[0]
            assert f"def {func}(" in source, f"{test_id}: no such test"
