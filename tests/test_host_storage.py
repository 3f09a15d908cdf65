"""from_numpy's copy semantics and the host-side storage behind fresh `from_numpy` tensors and DataLoader batches.

torch shares memory with numpy; torchax copies (KNOWN_DIFFERENCES, pinned in conformance). These tests pin the
copy itself: whatever the array's size and alignment (the CPU device would alias a 64-byte-aligned buffer), no
write on one side reaches the other."""

import jax
import numpy as np
import pytest

import torchax
from torchax._host import host_array
from torchax.utils.data import default_collate


def _aligned(n: int) -> np.ndarray:
    raw = np.zeros(n * 8 + 64, np.uint8)
    start = -raw.ctypes.data % 64
    return raw[start:start + n * 8].view(np.float64)


def _unaligned(n: int) -> np.ndarray:
    raw = np.zeros(n * 8 + 64, np.uint8)
    start = -raw.ctypes.data % 64 + 16
    return raw[start:start + n * 8].view(np.float64)


@pytest.mark.parametrize("make", [_aligned, _unaligned])
@pytest.mark.parametrize("n", [8, 300_000])
def test_from_numpy_copies_both_ways(make, n):
    a = make(n)
    t = torchax.from_numpy(a)
    a[0] = 5.0
    assert t[0].item() == 0.0 and a[0] == 5.0
    t.add_(1)
    assert a[1] == 0.0 and t[1].item() == 1.0
    b = make(n)
    u = torchax.from_numpy(b)
    u.sum()  # on the device now
    b[2] = 3.0
    assert u[2].item() == 0.0


def test_first_read_inside_a_trace_leaves_a_concrete_value():
    w = torchax.from_numpy(np.arange(3.0))
    out = jax.jit(lambda x: torchax.interop.to_jax(w) + x)(1.0)
    np.testing.assert_array_equal(np.asarray(out), [1.0, 2.0, 3.0])
    assert isinstance(torchax.interop.to_jax(w), jax.Array) and not isinstance(torchax.interop.to_jax(w),
                                                                                 jax.core.Tracer)
    assert (w + 1).tolist() == [1.0, 2.0, 3.0]


def test_collate_stacks_fresh_samples_on_the_host():
    samples = [torchax.from_numpy(np.full((2, 3), i, np.float32)) for i in range(4)]
    batch = default_collate(samples)
    assert all(host_array(s) is not None for s in samples), "the samples never went to the device one by one"
    assert host_array(batch) is not None
    np.testing.assert_array_equal(batch.numpy(), np.stack([np.full((2, 3), i, np.float32) for i in range(4)]))
    assert batch.dtype is torchax.float32 and batch.device == torchax.device("cpu")
    samples[0].add_(1)  # a sample that has been written to is on the device: the batch is stacked there
    assert host_array(samples[0]) is None
    np.testing.assert_array_equal(default_collate(samples)[0].numpy(), np.ones((2, 3), np.float32))
