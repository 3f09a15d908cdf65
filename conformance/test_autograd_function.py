"""Conformance: torch.autograd.Function — ctx, saved tensors, needs_input_grad, non-differentiable outputs, styles."""

import warnings

import pytest
from harness import conformance, message as _message, tensor


def _structure(fn):
    if fn is None:
        return None
    return fn.name(), tuple((_structure(n), i) for n, i in fn.next_functions)


def _functions(T, log=None):
    """The Function subclasses under test, built against library T (class names give the grad_fn names).

    Backward functions append what they observe to `log`.
    """
    log = [] if log is None else log
    Function = T.autograd.Function
    once_differentiable = T.autograd.function.once_differentiable

    class ScaledExp(Function):
        """exp(x) * k: saves its output and a Python attribute; k gets a None gradient."""

        @staticmethod
        def forward(ctx, x, k):
            y = x.exp() * k
            ctx.save_for_backward(y)
            ctx.k = k
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y, None

    class MulAdd(Function):
        """(x * y, x + y): two outputs; records needs_input_grad and the incoming gradients."""

        @staticmethod
        def forward(ctx, x, y, tag):
            ctx.save_for_backward(x, y)
            return x * y, x + y

        @staticmethod
        def backward(ctx, g_mul, g_add):
            x, y = ctx.saved_tensors
            log.append((ctx.needs_input_grad, g_mul is None, g_add is None))
            gx = g_mul * y + g_add if ctx.needs_input_grad[0] else None
            gy = g_mul * x + g_add if ctx.needs_input_grad[1] else None
            return gx, gy, None

    class Lazy(Function):
        """Like MulAdd, with set_materialize_grads(False): unused outputs get None, not zeros."""

        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g2, g3):
            log.append((g2 is None, g3 is None))
            out = None
            if g2 is not None:
                out = g2 * 2
            if g3 is not None:
                out = g3 * 3 if out is None else out + g3 * 3
            return out

    class ArgMax(Function):
        """(x * 2, x.argmax(), x + 1) with the last two marked non-differentiable."""

        @staticmethod
        def forward(ctx, x):
            idx, plus = x.argmax(), x + 1
            ctx.mark_non_differentiable(idx, plus)
            return x * 2, idx, plus

        @staticmethod
        def backward(ctx, g, g_idx, g_plus):
            log.append((g_idx is None, g_plus is None if g_plus is None else g_plus.abs().sum().item()))
            return g * 2

    class Cube(Function):
        """x ** 3 with a differentiable backward (3 x^2 g), so double backward works."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    class OnceCube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    class NewStyle(Function):
        """forward without ctx plus setup_context (the functorch-compatible form)."""

        @staticmethod
        def forward(x, y, power):
            return x ** power * y

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, y, power = inputs
            ctx.save_for_backward(x, y)
            ctx.power = power

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return g * ctx.power * x ** (ctx.power - 1) * y, g * x ** ctx.power, None

    class TooMany(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    class TooFew(Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g

    class BadShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g[:2]

    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class Inc(Function):
        """In-place on its input, declared with mark_dirty."""

        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x.add_(1)

        @staticmethod
        def backward(ctx, g):
            return g * 5

    return {c.__name__: c for c in (ScaledExp, MulAdd, Lazy, ArgMax, Cube, OnceCube, NewStyle, TooMany, TooFew,
                                    BadShape, Identity, Inc)}


@conformance()
def test_function_basic(T):
    F = _functions(T)
    x = tensor(T, (3,), grad=True)
    y = F["ScaledExp"].apply(x, 2.0)
    y.sum().backward()
    return (y, y.requires_grad, y.is_leaf, y.grad_fn.name(), _structure(y.grad_fn), x.grad,
            y.grad_fn.next_functions[0][0].variable is x)


@conformance()
def test_function_grad_fn_is_ctx(T):
    """In torch the grad_fn of a Function's output is its ctx: attributes and saved tensors are visible on it."""
    F = _functions(T)
    x, y = tensor(T, (3,), grad=True), tensor(T, (3,), seed=1)
    out = F["ScaledExp"].apply(x, 2.0)
    p, _ = F["MulAdd"].apply(x, y, "tag")
    return out.grad_fn.k, out.grad_fn.saved_tensors, p.grad_fn.needs_input_grad, p.grad_fn.saved_tensors


@conformance()
def test_function_no_input_requires_grad(T):
    F = _functions(T)
    x = tensor(T, (3,), grad=True)
    a = F["ScaledExp"].apply(tensor(T, (3,)), 2.0)
    with T.no_grad():
        b = F["ScaledExp"].apply(x, 2.0)
    return a, a.requires_grad, a.grad_fn is None, b, b.requires_grad, b.grad_fn is None


@pytest.mark.parametrize("which", ["both", "x_only", "y_only"])
@conformance()
def test_function_needs_input_grad(T, which):
    log = []
    F = _functions(T, log)
    x = tensor(T, (3,), grad=which != "y_only")
    y = tensor(T, (3,), grad=which != "x_only", seed=1)
    p, s = F["MulAdd"].apply(x, y, "tag")
    (p * 2 + s * 3).sum().backward()
    return p, s, p.grad_fn is s.grad_fn, p.grad_fn.name(), log, x.grad, y.grad


@conformance()
def test_function_unused_output_materialized(T):
    log = []
    F = _functions(T, log)
    x, y = tensor(T, (3,), grad=True), tensor(T, (3,), grad=True, seed=1)
    p, s = F["MulAdd"].apply(x, y, None)
    p.sum().backward()  # s gets no gradient: backward receives zeros for it
    return log, x.grad, y.grad


@pytest.mark.parametrize("use", ["first", "second", "both"])
@conformance()
def test_function_set_materialize_grads_false(T, use):
    log = []
    F = _functions(T, log)
    x = tensor(T, (3,), grad=True)
    a, b = F["Lazy"].apply(x)
    loss = {"first": lambda: a.sum(), "second": lambda: b.sum(), "both": lambda: a.sum() + b.sum()}[use]()
    loss.backward()
    return log, x.grad


@conformance()
def test_function_mark_non_differentiable(T):
    log = []
    F = _functions(T, log)
    x = tensor(T, (3,), grad=True)
    y, idx, plus = F["ArgMax"].apply(x)
    (y.sum() * 2).backward()
    return (y, idx, plus, y.requires_grad, idx.requires_grad, plus.requires_grad, idx.dtype, log, x.grad,
            plus.grad_fn is None)


@conformance()
def test_function_double_backward(T):
    F = _functions(T)
    x = tensor(T, (3,), grad=True)
    y = F["Cube"].apply(x)
    (g,) = T.autograd.grad(y.sum(), x, create_graph=True)
    (gg,) = T.autograd.grad(g.sum(), x)
    return y, g, g.requires_grad, gg


@conformance()
def test_function_once_differentiable(T):
    F = _functions(T)
    x = tensor(T, (3,), grad=True)
    y = F["OnceCube"].apply(x)
    (g,) = T.autograd.grad(y.sum(), x, create_graph=True)
    second = _message(lambda: g.sum().backward(), "does not require grad")
    F["OnceCube"].apply(x).sum().backward()
    return g, g.requires_grad, g.grad_fn is None, second, x.grad


@conformance()
def test_function_setup_context(T):
    F = _functions(T)
    x, y = tensor(T, (3,), grad=True), tensor(T, (3,), grad=True, seed=1)
    out = F["NewStyle"].apply(x, y, 3)
    out.sum().backward()
    return out, out.grad_fn.name(), x.grad, y.grad


@pytest.mark.parametrize("name,text", [("TooMany", "incorrect number of gradients (expected 1, got 2)"),
                                       ("TooFew", "incorrect number of gradients (expected 2, got 1)"),
                                       ("BadShape", "invalid gradient at index 0")])
@conformance()
def test_function_bad_backward(T, name, text):
    F = _functions(T)
    x = tensor(T, (3,), grad=True)
    args = (x, 2.0) if name == "TooFew" else (x,)
    return _message(lambda: F[name].apply(*args).sum().backward(), text), x.grad is None


@conformance()
def test_function_backward_twice(T):
    F = _functions(T)
    x = tensor(T, (3,), grad=True)
    y = F["ScaledExp"].apply(x, 2.0).sum()
    y.backward(retain_graph=True)
    y.backward()
    twice = x.grad.clone()
    z = F["ScaledExp"].apply(x, 2.0).sum()
    z.backward()
    return twice, _message(z.backward, "second time")


@conformance()
def test_function_returns_input(T):
    F = _functions(T)
    x = tensor(T, (3,), grad=True)
    z = F["Identity"].apply(x)
    (z * 3).sum().backward()
    return z is x, z.is_leaf, z.grad_fn.name(), z, x.grad


@conformance()
def test_function_mark_dirty(T):
    F = _functions(T)
    x = tensor(T, (3,), grad=True)
    y = x * 1
    z = F["Inc"].apply(y)
    z.sum().backward()
    return z is y, y.grad_fn.name(), y, x.grad


@conformance()
def test_function_legacy_instantiation(T):
    F = _functions(T)
    x = tensor(T, (3,), grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            f = F["ScaledExp"]()
        except RuntimeError:
            f = None
    return ([(w.category.__name__, "should not be instantiated" in str(w.message)) for w in caught],
            _message(lambda: f(x, 2.0), "Legacy autograd function"))


@conformance()
def test_function_in_larger_graph(T):
    F = _functions(T)
    x, w = tensor(T, (3,), grad=True), tensor(T, (3,), grad=True, seed=1)
    h = (x * w).tanh()
    p, s = F["MulAdd"].apply(h, w, 0)
    out = F["Cube"].apply(p + s).mean()
    out.backward()
    return out, _structure(out.grad_fn), x.grad, w.grad


def _loose(T):
    """A Function whose backward returns a broadcast, float32 gradient: torch sums it back and casts it."""

    class Loose(T.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g.float().expand(2, *g.shape) * 2, g.float().sum(0, keepdim=True)

    return Loose


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@conformance()
def test_function_gradient_cast_and_summed_to_input(T, dtype):
    a, b = tensor(T, (2, 3), grad=True, dtype=dtype), tensor(T, (1, 3), grad=True, dtype=dtype, seed=1)
    _loose(T).apply(a, b).sum().backward()
    return a.grad, b.grad


@conformance(errors=True)
def test_function_gradient_wrong_shape(T):
    class Bad(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g.sum(0)

    Bad.apply(tensor(T, (2, 3), grad=True)).sum().backward()
