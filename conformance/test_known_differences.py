"""One strict xfail per row of KNOWN_DIFFERENCES.md: each fails today because torch and torchax differ.

When a difference goes away its test starts passing, the strict xfail fails the suite, and the row and
the marker are deleted together.
"""

import numpy as np
import pytest
from harness import conformance


@pytest.mark.xfail(strict=True, reason="from_numpy/numpy() copy: writes make new arrays, so no memory is shared")
@conformance()
def test_numpy_memory_is_shared(T):
    a = np.zeros(3, dtype=np.float32)
    t = T.from_numpy(a)
    a[0] = 1.0  # torch: visible through t
    t.numpy()[1] = 2.0  # torch: visible through t and a
    return t, a
