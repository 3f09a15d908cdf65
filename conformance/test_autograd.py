"""Conformance: the autograd tape — requires_grad, .grad, backward, autograd.grad, detach, grad_fn, hooks, in-place."""

import warnings

import pytest
from harness import conformance, message as _message, tensor


def _leaves(T):
    """Two float leaves that require grad: x (3,) and w (2, 3)."""
    return tensor(T, (3,), grad=True), tensor(T, (2, 3), grad=True, seed=1)


def _grad(t):
    """t.grad without torch's non-leaf warning (the caller checks the warning elsewhere)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return t.grad


def _backward_create_graph(y):
    """y.backward(create_graph=True): torch warns about a reference cycle only once per process, so ignore it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y.backward(create_graph=True)


# --- requires_grad and leaves ---------------------------------------------------------------------


@conformance()
def test_requires_grad_constructors(T):
    a = T.tensor([1.0, 2.0], requires_grad=True)
    b = T.ones(2, requires_grad=True)
    c = T.zeros(2, 3).requires_grad_()
    d = T.full((2,), 3.0, requires_grad=True)
    e = T.tensor([1.0, 2.0], dtype=T.float64).requires_grad_(True)
    f = T.tensor([1.0]).requires_grad_(True).requires_grad_(False)
    g = T.arange(3.0, requires_grad=True)
    return [(t.requires_grad, t.is_leaf, t.grad_fn is None, t.grad is None) for t in (a, b, c, d, e, f, g)]


@conformance()
def test_requires_grad_propagation(T):
    x, w = _leaves(T)
    c = tensor(T, (3,), seed=2)
    outs = [x * 2, c * 2, x + c, c.exp(), (x * c).sum(), x[0], x.view(3, 1), x.detach(), x > 0, x.argmax(),
            x.long(), x.double(), c.clone(), x.clone(), w.sum(0) + x, T.stack([c, c]), T.stack([c, x])]
    return [(t.requires_grad, t.is_leaf, t.grad_fn is None) for t in outs]


@conformance()
def test_requires_grad_setter(T):
    x = tensor(T, (3,))
    x.requires_grad = True
    y = x * 2
    z = y.detach()
    z.requires_grad_()
    return x.requires_grad, y.requires_grad, z.requires_grad, z.is_leaf, (z * x).requires_grad


@pytest.mark.parametrize("case", ["tensor_int", "requires_grad_int", "bool", "setter_int", "ones_int", "non_leaf_off"])
@conformance(errors=True)
def test_requires_grad_errors(T, case):
    if case == "tensor_int":
        return T.tensor([1, 2], requires_grad=True)
    if case == "requires_grad_int":
        return T.tensor([1, 2]).requires_grad_()
    if case == "bool":
        return T.tensor([True]).requires_grad_()
    if case == "setter_int":
        t = T.arange(3)
        t.requires_grad = True
        return t
    if case == "ones_int":
        return T.ones(2, dtype=T.int64, requires_grad=True)
    x = tensor(T, (3,), grad=True)
    (x * 2).requires_grad = False


@conformance()
def test_requires_grad_error_messages(T):
    return (_message(lambda: T.tensor([1, 2], requires_grad=True), "floating point"),
            _message(lambda: tensor(T, (3,), grad=True).mul(2).requires_grad_(False), "leaf variables"))


@conformance()
def test_variable(T):
    """torch.autograd.Variable (legacy) returns a plain Tensor."""
    v = T.autograd.Variable(tensor(T, (3,)), requires_grad=True)
    c = T.autograd.Variable(tensor(T, (3,), seed=1))
    (v * c).sum().backward()
    return isinstance(v, T.Tensor), v.requires_grad, v.is_leaf, c.requires_grad, v.grad


# --- .grad ----------------------------------------------------------------------------------------


@conformance()
def test_grad_accumulates(T):
    x, _ = _leaves(T)
    before = x.grad
    (x * x).sum().backward()
    first = x.grad.clone()
    (x * 3).sum().backward()
    return before is None, first, x.grad, x.grad.requires_grad, x.grad.is_leaf


@conformance()
def test_grad_zero_and_none(T):
    x, _ = _leaves(T)
    (x.exp()).sum().backward()
    g = x.grad
    g.zero_()
    zeroed = x.grad.clone()
    (x * x).sum().backward()
    same_object = x.grad is g  # accumulation is in place into the existing .grad
    after_zero = x.grad.clone()
    x.grad = None
    (x * 2).sum().backward()
    return zeroed, same_object, after_zero, x.grad


@conformance()
def test_grad_dtypes_and_broadcasting(T):
    """Each leaf's .grad has the leaf's own dtype and shape, whatever promotion and broadcasting did."""
    x64 = tensor(T, (3,), grad=True, dtype="float64")
    w, s = tensor(T, (2, 3), grad=True, seed=1), tensor(T, (), grad=True, seed=2)
    y = (x64 * w + s).exp()
    y.sum().backward()
    return y.dtype, x64.grad, w.grad, s.grad


@conformance()
def test_grad_assign(T):
    x, _ = _leaves(T)
    x.grad = T.ones(3)
    (x * 2).sum().backward()
    return x.grad


@pytest.mark.parametrize("case", ["shape", "dtype", "not_tensor"])
@conformance(errors=True)
def test_grad_assign_errors(T, case):
    x, _ = _leaves(T)
    make = {"shape": lambda: T.ones(2), "dtype": lambda: T.ones(3, dtype=T.float64), "not_tensor": lambda: 1.0}
    x.grad = make[case]()


@conformance()
def test_nonleaf_grad_warns(T):
    x, _ = _leaves(T)
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        g = y.grad
    return g is None, x.grad


@conformance()
def test_retain_grad(T):
    x, _ = _leaves(T)
    y = x * 2
    y.retain_grad()
    x.retain_grad()  # a no-op on a leaf
    z = (y * y).sum()
    z.backward(retain_graph=True)
    first = y.grad.clone()
    z.backward()
    return y.retains_grad, x.retains_grad, z.retains_grad, first, y.grad, x.grad, y.grad.requires_grad


@conformance(errors=True)
def test_retain_grad_without_requires_grad(T):
    tensor(T, (3,)).retain_grad()


# --- backward ---------------------------------------------------------------------------------------


@conformance()
def test_backward_gradient_argument(T):
    x, w = _leaves(T)
    y = x * x
    y.backward(gradient=T.tensor([1.0, 2.0, 3.0]))
    z = w.exp()
    z.backward(T.ones(2, 3) * 0.5)
    s = (x * 3).sum()
    s.backward(T.tensor(2.0))
    return x.grad, w.grad


@pytest.mark.parametrize("case", ["non_scalar", "second_time", "wrong_shape", "no_grad_root", "second_mul_scalar"])
@conformance()
def test_backward_errors(T, case):
    x, _ = _leaves(T)

    def run():
        if case == "non_scalar":
            (x * 2).backward()
        elif case == "second_time":
            y = x.exp().sum()
            y.backward()
            y.backward()
        elif case == "wrong_shape":
            (x * 2).backward(T.ones(2))
        elif case == "no_grad_root":
            tensor(T, (3,)).sum().backward()
        else:  # torch saves the wrapped scalar of x * 2, so a second backward fails too
            y = (x * 2).sum()
            y.backward()
            y.backward()

    text = {"non_scalar": "implicitly created only for scalar outputs", "second_time": "second time",
            "wrong_shape": "Mismatch in shape", "no_grad_root": "does not require grad",
            "second_mul_scalar": "second time"}[case]
    return _message(run, text)


@conformance()
def test_backward_twice_without_saved_tensors(T):
    """Graphs that save nothing (sum, add of a scalar) can be walked twice without retain_graph."""
    x, _ = _leaves(T)
    y = x.sum()
    y.backward()
    y.backward()
    z = (x + 1).sum()
    z.backward()
    z.backward()
    return x.grad


@conformance()
def test_backward_retain_graph(T):
    x, _ = _leaves(T)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.clone()
    y.backward()
    return first, x.grad


@conformance()
def test_backward_inputs(T):
    x, w = _leaves(T)
    z = (w * x).sum() + x.exp().sum()
    z.backward(inputs=[x], retain_graph=True)
    only_x = (x.grad.clone(), w.grad is None)
    z.backward(inputs=w)
    return only_x, x.grad, w.grad


@conformance()
def test_backward_inputs_nonleaf(T):
    x, _ = _leaves(T)
    y = x * 2
    (y * y).sum().backward(inputs=[y])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return y.grad, x.grad is None


@conformance()
def test_backward_create_graph(T):
    x, _ = _leaves(T)
    _backward_create_graph((x ** 3).sum())
    g = x.grad
    x.grad = None
    g.sum().backward()
    return g, g.requires_grad, x.grad


@conformance()
def test_backward_create_graph_accumulates_in_place(T):
    x, _ = _leaves(T)
    _backward_create_graph((x ** 3).sum())
    g = x.grad
    g.sum().backward()
    return g, x.grad is g, x.grad


@conformance()
def test_autograd_backward_function(T):
    x, w = _leaves(T)
    a, b = (x * x).sum(), w.exp()
    T.autograd.backward([a, b], [None, T.ones(2, 3)])
    return x.grad, w.grad


# --- autograd.grad --------------------------------------------------------------------------------


@conformance()
def test_grad_basic(T):
    x, w = _leaves(T)
    y = (w * x).exp()
    gx, gw = T.autograd.grad(y, (x, w), grad_outputs=T.ones(2, 3) * 2)
    (s,) = T.autograd.grad((x * x).sum(), x)
    gs = T.autograd.grad([(x * x).sum(), (x * 3).sum()], [x])
    return gx, gw, s, gs, x.grad is None, w.grad is None, isinstance(gs, tuple)


@conformance()
def test_grad_allow_unused(T):
    x, w = _leaves(T)
    y = (x * 2).sum()
    gx, gw = T.autograd.grad(y, [x, w], allow_unused=True)
    gx2, gw2 = T.autograd.grad((x * 2).sum(), [x, w], materialize_grads=True)
    return gx, gw is None, gx2, gw2


@pytest.mark.parametrize("case", ["unused", "input_no_grad", "output_no_grad", "non_scalar", "retain"])
@conformance()
def test_grad_errors(T, case):
    x, w = _leaves(T)
    c = tensor(T, (3,), seed=2)

    def run():
        if case == "unused":
            T.autograd.grad((x * 2).sum(), [x, w])
        elif case == "input_no_grad":
            T.autograd.grad((x * c).sum(), [c])
        elif case == "output_no_grad":
            T.autograd.grad(c.sum(), [x])
        elif case == "non_scalar":
            T.autograd.grad(x * 2, [x])
        else:
            y = x.exp().sum()
            T.autograd.grad(y, x)
            T.autograd.grad(y, x)

    text = {"unused": "allow_unused=True", "input_no_grad": "does not require grad",
            "output_no_grad": "does not require grad", "non_scalar": "scalar outputs", "retain": "second time"}[case]
    return _message(run, text)


@conformance()
def test_grad_retain_graph(T):
    x, _ = _leaves(T)
    y = (x.sin() * x).sum()
    (a,) = T.autograd.grad(y, x, retain_graph=True)
    (b,) = T.autograd.grad(y, x)
    return a, b, a.requires_grad


@conformance()
def test_grad_of_grad(T):
    x, _ = _leaves(T)
    (g,) = T.autograd.grad((x ** 3).sum(), x, create_graph=True)
    (gg,) = T.autograd.grad(g.sum(), x, create_graph=True)
    (ggg,) = T.autograd.grad(gg.sum(), x)
    return g, gg, ggg, g.requires_grad, gg.requires_grad, ggg.requires_grad, g.grad_fn is not None


@conformance()
def test_gradient_penalty(T):
    inp = tensor(T, (2, 3), grad=True, seed=3)
    w = tensor(T, (3, 4), grad=True, seed=4)
    out = (inp @ w).tanh().sum()
    (g,) = T.autograd.grad(out, inp, create_graph=True)
    penalty = (g ** 2).sum()
    penalty.backward()
    return g, penalty, w.grad, inp.grad


@conformance()
def test_hessian_vector_product(T):
    x, _ = _leaves(T)
    v = tensor(T, (3,), seed=5)
    (g,) = T.autograd.grad((x.sin() * x * x).sum(), x, create_graph=True)
    (hv,) = T.autograd.grad(g, x, grad_outputs=v, retain_graph=True)
    (hv2,) = T.autograd.grad((g * v).sum(), x)
    return g, hv, hv2


@conformance()
def test_grad_through_multiple_paths(T):
    x, w = _leaves(T)
    a = x * 2
    b = a.exp() + a * a
    c = (w * b).sum() + b.sum() * a.sum()
    return T.autograd.grad(c, [x, w, a])


# --- detach / .data ------------------------------------------------------------------------------


@conformance()
def test_detach_shares_storage(T):
    x, _ = _leaves(T)
    d = x.detach()
    d[0] = 5.0
    d.mul_(2)
    return x, d, d.requires_grad, d.is_leaf, d.grad_fn is None, x.requires_grad


@conformance()
def test_detach_nonleaf(T):
    x, _ = _leaves(T)
    y = x * 2
    d = y.detach()
    d.add_(1)  # y saves nothing for backward here (x * 2 with a leaf), but they share the storage
    y2 = x * 3
    y2.detach_()
    return y, d, y2, y2.requires_grad, y2.is_leaf, y2.grad_fn is None


@conformance()
def test_detach_then_modify_saved(T):
    x, _ = _leaves(T)
    y = x.exp()
    y.detach().zero_()  # exp saved its result: the shared version counter makes backward fail
    return _message(lambda: y.sum().backward(), "modified by an inplace operation")


@conformance()
def test_data(T):
    x, _ = _leaves(T)
    x.data.mul_(2)
    d = x.data
    before = (d.requires_grad, d.is_leaf)
    x.data = T.ones(3)
    (x * x).sum().backward()
    return x, before, x.requires_grad, x.is_leaf, x.grad


# --- gradient accumulation over micro-batches -------------------------------------------------------


@conformance()
def test_micro_batch_accumulation(T):
    w = tensor(T, (3, 2), grad=True, seed=6)
    b = T.zeros(2, requires_grad=True)
    xs, ys = tensor(T, (3, 4, 3), seed=7), tensor(T, (3, 4, 2), seed=8)
    for i in range(3):
        loss = ((xs[i] @ w + b - ys[i]) ** 2).mean() / 3
        loss.backward()
    acc = (w.grad.clone(), b.grad.clone())
    w.grad, b.grad = None, None
    full = ((xs.reshape(12, 3) @ w + b - ys.reshape(12, 2)) ** 2).mean()
    full.backward()
    return acc, w.grad, b.grad, full


@conformance()
def test_complex_leaf_gradient(T):
    """torch's gradient for complex leaves is the conjugate of JAX's convention."""
    w = T.tensor([1 + 2j, -0.5 + 1j], requires_grad=True)
    (w * w.conj()).real.sum().backward()
    return w.grad


@conformance()
def test_create_graph_gradient_independent_of_input(T):
    """The gradient of a linear function does not depend on its input: torch's create_graph result is a constant."""
    x = tensor(T, (3,), grad=True)
    (g,) = T.autograd.grad((x * 2).sum(), x, create_graph=True)
    (h,) = T.autograd.grad((x * x).sum(), x, create_graph=True)
    return g, g.requires_grad, g.grad_fn is None, h, h.requires_grad


_CREATE_GRAPH_CASES = {
    "add_const": lambda T, x, y: x + 3,
    "mul_other_leaf": lambda T, x, y: x * y,
    "mul_other_detached": lambda T, x, y: x * y.detach(),
    "relu": lambda T, x, y: T.relu(x),
    "exp": lambda T, x, y: T.exp(x),
    "matmul_const": lambda T, x, y: x.reshape(1, 3) @ T.ones(3, 2),
    "sum_then_scale": lambda T, x, y: x.sum() * 4 + y.sum(),
    "mixed": lambda T, x, y: x * 2 + y * y,
}


@pytest.mark.parametrize("case", list(_CREATE_GRAPH_CASES))
@conformance()
def test_create_graph_requires_grad(T, case):
    """Which create_graph gradients require grad follows what each backward formula is computed from."""
    x, y = tensor(T, (3,), grad=True), tensor(T, (3,), grad=True, seed=1)
    gx, gy = T.autograd.grad(_CREATE_GRAPH_CASES[case](T, x, y).sum(), (x, y), create_graph=True, allow_unused=True,
                             materialize_grads=True)
    return gx, gy, gx.requires_grad, gy.requires_grad, gx.grad_fn is None, gy.grad_fn is None
