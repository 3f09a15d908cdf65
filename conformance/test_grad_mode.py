"""Conformance: grad modes (no_grad, enable_grad, set_grad_enabled, inference_mode) and anomaly detection."""

import threading
import warnings

import pytest
import torch
from harness import conformance, message as _message, tensor

import torchax


@pytest.fixture(autouse=True)
def _reset_modes():
    """A failing test must not leave grad or anomaly mode changed for the next one (in either library)."""
    yield
    for lib in (torch, torchax):
        lib.set_grad_enabled(True)
        lib.autograd.set_detect_anomaly(False)


def _state(T, x):
    """What a grad mode changes: the flag, and whether a new result requires grad."""
    y = x * 2
    return T.is_grad_enabled(), y.requires_grad, y.grad_fn is None


# --- context managers ------------------------------------------------------------------------------


@conformance()
def test_context_managers(T):
    x = tensor(T, (3,), grad=True)
    out = [_state(T, x)]
    with T.no_grad():
        out.append(_state(T, x))
        with T.enable_grad():
            out.append(_state(T, x))
        out.append(_state(T, x))
    with T.set_grad_enabled(False):
        out.append(_state(T, x))
        with T.set_grad_enabled(True):
            out.append(_state(T, x))
    with T.inference_mode():
        out.append((_state(T, x), T.is_inference_mode_enabled()))
        with T.inference_mode(False):
            out.append((_state(T, x), T.is_inference_mode_enabled()))
    with T.autograd.no_grad(), T.autograd.enable_grad():
        out.append(_state(T, x))
    out.append((_state(T, x), T.is_inference_mode_enabled()))
    return out


@conformance()
def test_context_manager_restores_on_error(T):
    x = tensor(T, (3,), grad=True)
    try:
        with T.no_grad():
            raise KeyError("inside")
    except KeyError:
        pass
    try:
        with T.set_grad_enabled(False):
            raise KeyError("inside")
    except KeyError:
        pass
    try:
        with T.inference_mode():
            raise KeyError("inside")
    except KeyError:
        pass
    return _state(T, x), T.is_inference_mode_enabled()


@conformance()
def test_no_grad_results_outside(T):
    x, w = tensor(T, (3,), grad=True), tensor(T, (3,), grad=True, seed=1)
    with T.no_grad():
        c = x.exp() * w
    loss = (c * x).sum()
    loss.backward()
    return c, c.requires_grad, c.is_leaf, x.grad, w.grad is None


@conformance()
def test_set_grad_enabled_as_function(T):
    x = tensor(T, (3,), grad=True)
    T.set_grad_enabled(False)
    off = _state(T, x)
    T.set_grad_enabled(True)
    on = _state(T, x)
    T.autograd.set_grad_enabled(False)
    off2 = _state(T, x)
    T.autograd.set_grad_enabled(True)
    return off, on, off2, _state(T, x)


# --- decorators --------------------------------------------------------------------------------------


@conformance()
def test_decorators(T):
    x = tensor(T, (3,), grad=True)

    @T.no_grad()
    def a():
        return _state(T, x)

    @T.enable_grad()
    def c():
        return _state(T, x)

    @T.inference_mode()
    def d():
        return _state(T, x), T.is_inference_mode_enabled()

    with T.no_grad():
        inner = (c(), _state(T, x))
    return a(), inner, d(), a.__name__, _state(T, x)


@conformance()
def test_decorators_without_call(T):
    x = tensor(T, (3,), grad=True)

    @T.no_grad
    def a():
        return _state(T, x)

    @T.enable_grad
    def b():
        return _state(T, x)

    @T.inference_mode
    def c():
        return _state(T, x), T.is_inference_mode_enabled()

    with T.no_grad():
        inner = b()
    return a(), inner, c(), _state(T, x)


@conformance()
def test_set_grad_enabled_decorator(T):
    x = tensor(T, (3,), grad=True)

    @T.set_grad_enabled(False)
    def off():
        return _state(T, x)

    after_decorating = _state(T, x)  # decorating does not leave grad disabled
    with T.no_grad():

        @T.set_grad_enabled(True)
        def on():
            return _state(T, x)

        inside = _state(T, x)
        called = on()
    return after_decorating, inside, called, off(), _state(T, x)


@conformance()
def test_decorator_on_generator(T):
    x = tensor(T, (3,), grad=True)

    @T.no_grad()
    def gen(n):
        for i in range(n):
            sent = yield i, _state(T, x)
            if sent is not None:
                yield "sent", sent, _state(T, x)
        return "done"

    seen = []
    it = gen(2)
    seen.append(next(it))
    seen.append(("outside", _state(T, x)))
    seen.append(it.send(7))
    seen.extend(it)

    @T.enable_grad()
    def gen2():
        yield _state(T, x)

    with T.no_grad():
        seen.append(list(gen2()))
        seen.append(_state(T, x))
    return seen, _state(T, x)


@conformance()
def test_decorator_on_class(T):
    x = tensor(T, (3,), grad=True)
    with pytest.warns(FutureWarning, match="Decorating classes is deprecated"):

        @T.no_grad()
        class A:
            def __init__(self):
                self.state = _state(T, x)

    return A().state, _state(T, x)


# --- threads ---------------------------------------------------------------------------------------


@conformance()
def test_grad_mode_is_thread_local(T):
    x = tensor(T, (3,), grad=True)
    seen = []

    def worker():
        seen.append(_state(T, x))
        T.set_grad_enabled(False)  # only this thread's mode changes
        seen.append(_state(T, x))

    with T.no_grad():
        th = threading.Thread(target=worker)
        th.start()
        th.join()
        seen.append(_state(T, x))
    th = threading.Thread(target=worker)
    th.start()
    th.join()
    seen.append(_state(T, x))
    return seen


# --- inference mode tensors -------------------------------------------------------------------------


@conformance()
def test_inference_tensor_flags(T):
    x = tensor(T, (3,), grad=True)
    with T.inference_mode():
        t = x * 2
    with T.no_grad():
        n = x * 2
    return t.requires_grad, t.is_inference(), n.is_inference(), x.is_inference()


@conformance()
def test_inference_tensor_in_autograd(T):
    x = tensor(T, (3,), grad=True)
    with T.inference_mode():
        t = T.ones(3)
    return _message(lambda: (x.exp() * t).sum().backward(), "Inference tensors cannot be saved for backward")


# --- anomaly detection --------------------------------------------------------------------------------


def _nan_backward(T, x):
    """sqrt at 0 receives a zero gradient: 0 / (2 * sqrt(0)) is NaN inside SqrtBackward0."""
    y = x.sqrt()
    (y * 0).sum().backward()


@conformance()
def test_detect_anomaly_names_node(T):
    x = T.zeros(3, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with T.autograd.detect_anomaly():
            err = _message(lambda: _nan_backward(T, x), "SqrtBackward0")
            err_nan = _message(lambda: _nan_backward(T, x.detach().requires_grad_()), "returned nan values")
    texts = [str(w.message) for w in caught]
    warned = (any("Anomaly Detection has been enabled" in s for s in texts),
              any("Error detected in SqrtBackward0" in s for s in texts),
              all(w.category is UserWarning for w in caught))
    return err, err_nan, warned, x.grad is None


@conformance()
def test_nan_backward_without_anomaly(T):
    x = T.zeros(3, requires_grad=True)
    _nan_backward(T, x)
    return x.grad


@conformance()
def test_detect_anomaly_check_nan_false(T):
    x = T.zeros(3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with T.autograd.detect_anomaly(check_nan=False):
            _nan_backward(T, x)
    return x.grad


@conformance()
def test_detect_anomaly_flags(T):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with T.autograd.detect_anomaly(check_nan=False):
            off = (T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled())
        with T.autograd.detect_anomaly():
            on = (T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled())
    return off, on, T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()


@conformance()
def test_set_detect_anomaly(T):
    x = T.zeros(3, requires_grad=True)
    states = [T.is_anomaly_enabled()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        T.autograd.set_detect_anomaly(True)
        states.append(T.is_anomaly_enabled())
        err = _message(lambda: _nan_backward(T, x), "SqrtBackward0")
        T.autograd.set_detect_anomaly(False)
        states.append(T.is_anomaly_enabled())
        with T.autograd.set_detect_anomaly(True):
            states.append(T.is_anomaly_enabled())
            err2 = _message(lambda: _nan_backward(T, x), "nan")
        states.append(T.is_anomaly_enabled())
        with T.autograd.set_detect_anomaly(True, check_nan=False):
            states.append((T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()))
            _nan_backward(T, x)
    states.append((T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled()))
    return states, err, err2, x.grad


@pytest.mark.parametrize("check_nan", [True, False])
@conformance()
def test_anomaly_mode_normal_backward(T, check_nan):
    """Anomaly mode changes nothing when no NaN appears."""
    x = tensor(T, (3,), grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with T.autograd.detect_anomaly(check_nan=check_nan):
            (x.exp() * x).sum().backward()
    return x.grad
