"""Conformance: torch.utils.checkpoint — checkpoint and checkpoint_sequential give the same values and gradients."""

import importlib
import warnings

import pytest
from harness import conformance, message as _message, tensor


def _ckpt(T):
    """T.utils.checkpoint, imported explicitly (attribute access without an import is tested on its own)."""
    return importlib.import_module(T.__name__ + ".utils.checkpoint")


def _model(T):
    """x (2, 3) and closure parameters w (3, 4), b (4,), all requiring grad; `block` is the segment to checkpoint."""
    x = tensor(T, (2, 3), grad=True)
    w, b = tensor(T, (3, 4), grad=True, seed=1), tensor(T, (4,), grad=True, seed=2)

    def block(inp, scale=1.0):
        h = (inp @ w + b).tanh()
        return (h * h.sigmoid()) * scale

    return x, w, b, block


def _grads(*ts):
    out = tuple(t.grad for t in ts)
    for t in ts:
        t.grad = None
    return out


@conformance()
def test_utils_checkpoint_attribute(T):
    return callable(T.utils.checkpoint.checkpoint), callable(T.utils.checkpoint.checkpoint_sequential)


@pytest.mark.parametrize("reentrant", [True, False])
@conformance()
def test_checkpoint_matches_plain(T, reentrant):
    x, w, b, block = _model(T)
    plain = block(x)
    (plain.sum() * 2).backward()
    expected = _grads(x, w, b)
    out = _ckpt(T).checkpoint(block, x, use_reentrant=reentrant)
    (out.sum() * 2).backward()
    return plain, expected, out, out.requires_grad, _grads(x, w, b)


@pytest.mark.parametrize("reentrant", [True, False])
@conformance()
def test_checkpoint_chain(T, reentrant):
    """Two checkpointed segments with ordinary ops between them; gradients reach every input and parameter."""
    x, w, b, block = _model(T)
    v = tensor(T, (4, 3), grad=True, seed=3)
    ck = _ckpt(T).checkpoint
    h = ck(block, x, use_reentrant=reentrant)
    h2 = h @ v
    out = ck(block, h2.exp() * 0.1 + x, use_reentrant=reentrant)
    loss = (out ** 2).mean()
    loss.backward()
    return loss, _grads(x, w, b, v)


@pytest.mark.parametrize("reentrant", [True, False])
@conformance()
def test_checkpoint_multiple_outputs_and_args(T, reentrant):
    x, w, b, block = _model(T)
    y = tensor(T, (2, 4), grad=True, seed=4)

    def fn(a, c, k):
        h = block(a, k)
        return h + c, (h * c).sum(1)

    out1, out2 = _ckpt(T).checkpoint(fn, x, y, 0.5, use_reentrant=reentrant)
    (out1.sum() + (out2 ** 2).sum()).backward()
    return out1, out2, _grads(x, y, w, b)


@conformance()
def test_checkpoint_kwargs_non_reentrant(T):
    x, w, b, block = _model(T)
    out = _ckpt(T).checkpoint(block, x, scale=3.0, use_reentrant=False)
    out.sum().backward()
    return out, _grads(x, w, b)


@conformance(errors=True)
def test_checkpoint_kwargs_reentrant(T):
    x, _, _, block = _model(T)
    return _ckpt(T).checkpoint(block, x, scale=3.0, use_reentrant=True)


@conformance()
def test_checkpoint_input_without_grad(T):
    """Closure parameters get gradients with use_reentrant=False; the reentrant variant warns and gives none."""
    x, w, b, block = _model(T)
    c = x.detach()
    out = _ckpt(T).checkpoint(block, c, use_reentrant=False)
    out.sum().backward()
    non_reentrant = (out.requires_grad, _grads(w, b))
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        out2 = _ckpt(T).checkpoint(block, c, use_reentrant=True)
    return non_reentrant, out2.requires_grad, out2


@pytest.mark.parametrize("reentrant", [True, False])
@conformance()
def test_checkpoint_under_no_grad(T, reentrant):
    x, _, _, block = _model(T)
    with T.no_grad():
        out = _ckpt(T).checkpoint(block, x, use_reentrant=reentrant)
    return out, out.requires_grad, out.grad_fn is None


@conformance()
def test_checkpoint_warns_without_use_reentrant(T):
    x, w, b, block = _model(T)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        out = _ckpt(T).checkpoint(block, x)
    out.sum().backward()
    return out, _grads(x, w, b)


@pytest.mark.parametrize("reentrant", [True, False])
@conformance()
def test_checkpoint_grad_fn_name(T, reentrant):
    x, _, _, block = _model(T)
    return _ckpt(T).checkpoint(block, x, use_reentrant=reentrant).grad_fn.name()


@pytest.mark.parametrize("how", ["autograd_grad", "backward_inputs"])
@conformance()
def test_checkpoint_reentrant_rejects_grad(T, how):
    x, _, _, block = _model(T)
    out = _ckpt(T).checkpoint(block, x, use_reentrant=True).sum()
    if how == "autograd_grad":
        return _message(lambda: T.autograd.grad(out, x), "incompatible with .grad()")
    return _message(lambda: out.backward(inputs=[x]), "incompatible with .grad()")


@conformance()
def test_checkpoint_non_reentrant_autograd_grad(T):
    x, w, b, block = _model(T)
    out = _ckpt(T).checkpoint(block, x, use_reentrant=False).sum()
    gx, gw = T.autograd.grad(out, (x, w), create_graph=True)
    (gx.sum() + gw.sum()).backward()
    return gx, gw, _grads(x, w, b)


def _layers(T):
    """A list of functions, two of them closing over parameters."""
    w1, w2 = tensor(T, (3, 3), grad=True, seed=5), tensor(T, (3, 3), grad=True, seed=6)
    fns = [lambda a: a @ w1, T.tanh, lambda a: a * 2, lambda a: a @ w2, T.sigmoid, lambda a: a + 1]
    return fns, (w1, w2)


@pytest.mark.parametrize("segments", [1, 2, 3, 6])
@pytest.mark.parametrize("reentrant", [True, False])
@conformance()
def test_checkpoint_sequential(T, segments, reentrant):
    fns, params = _layers(T)
    x = tensor(T, (2, 3), grad=True)
    plain = x
    for f in fns:
        plain = f(plain)
    plain.sum().backward()
    expected = _grads(x, *params)
    out = _ckpt(T).checkpoint_sequential(fns, segments, x, use_reentrant=reentrant)
    out.sum().backward()
    return plain, expected, out, _grads(x, *params)


@conformance()
def test_checkpoint_sequential_warns_without_use_reentrant(T):
    fns, params = _layers(T)
    x = tensor(T, (2, 3), grad=True)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        out = _ckpt(T).checkpoint_sequential(fns, 2, x)
    out.sum().backward()
    return out, _grads(x, *params)


@conformance()
def test_checkpoint_micro_batches(T):
    """Gradient accumulation through checkpointed segments over three micro-batches."""
    _, w, b, block = _model(T)
    xs = tensor(T, (3, 2, 3), seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(3):
            inp = xs[i].clone().requires_grad_()
            out = _ckpt(T).checkpoint(block, inp, use_reentrant=False)
            (out.mean() / 3).backward()
    return _grads(w, b)
