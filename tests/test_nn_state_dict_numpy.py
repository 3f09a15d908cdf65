"""torchax-only: Module.load_state_dict also takes numpy arrays (torch wants tensors; see KNOWN_DIFFERENCES)."""

import numpy as np
import pytest

import torchax


def test_load_state_dict_from_numpy():
    m = torchax.nn.Linear(3, 2)
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([1.0, -1.0], dtype=np.float32)
    keys = m.load_state_dict({"weight": w, "bias": b})
    assert repr(keys) == "<All keys matched successfully>"
    np.testing.assert_array_equal(m.weight.detach().numpy(), w)
    np.testing.assert_array_equal(m.bias.detach().numpy(), b)
    assert isinstance(m.weight, torchax.nn.Parameter) and m.weight.requires_grad


def test_load_state_dict_numpy_shape_mismatch():
    m = torchax.nn.Linear(3, 2)
    msg = r"size mismatch for weight: copying a param with shape torch.Size\(\[3, 3\]\)"
    with pytest.raises(RuntimeError, match=msg):
        m.load_state_dict({"weight": np.zeros((3, 3), np.float32), "bias": np.zeros(2, np.float32)})


def test_load_state_dict_rejects_other_objects():
    m = torchax.nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match='While copying the parameter named "bias", expected torch.Tensor'):
        m.load_state_dict({"weight": np.zeros((2, 3), np.float32), "bias": [0.0, 0.0]})
