"""Conformance: torch.autograd.functional — jacobian, hessian, vjp, jvp, hvp, vhp (values and result structure)."""

import warnings

import pytest
from harness import conformance, tensor


def _x(T, grad=False):
    return tensor(T, (3,), grad=grad, low=0.5, high=1.5)


def _y(T, grad=False):
    return tensor(T, (2, 3), grad=grad, seed=1)


def _f1(x):
    return x.exp() * x.sin()


def _f2(x, y):
    return (y * x).tanh().sum(0) + x ** 2


def _f_two_out(x, y):
    return x * 2 + y.sum(0), (x * y).sum()


def _scalar(x):
    return (x.exp() * x ** 3).sum()


def _scalar2(x, y):
    return ((y * x) ** 2).sum() + (x.sin() * y[0]).sum()


# --- jacobian --------------------------------------------------------------------------------------


def _jacobian(T, case, strategy):
    J = T.autograd.functional.jacobian
    x, y = _x(T), _y(T)
    vec = strategy == "forward-mode"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch's forward-mode (vmap) imports warn once
        if case == "single":
            return J(_f1, x, strategy=strategy, vectorize=vec)
        if case == "tuple_inputs":
            return J(_f2, (x, y), strategy=strategy, vectorize=vec)
        if case == "tuple_outputs":
            return J(_f_two_out, (x, y), strategy=strategy, vectorize=vec)
        return J(lambda a: (a.cos(),), (x,), strategy=strategy, vectorize=vec)


def _tuples(r):
    return tuple(_tuples(v) for v in r) if isinstance(r, (list, tuple)) else r


def _containers(r):
    return (type(r).__name__, tuple(_containers(v) for v in r)) if isinstance(r, (list, tuple)) else "T"


JACOBIAN_CASES = ["single", "tuple_inputs", "tuple_outputs", "one_tuple"]


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("case", JACOBIAN_CASES)
@conformance()
def test_jacobian(T, case, strategy):
    """Values and nesting (containers compared as tuples; their types are checked below)."""
    return _tuples(_jacobian(T, case, strategy))


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@conformance()
def test_jacobian_container_types(T, strategy):
    """torch returns tuples for reverse-mode, but lists for forward-mode."""
    return [_containers(_jacobian(T, case, strategy)) for case in JACOBIAN_CASES]


@conformance()
def test_jacobian_vectorize(T):
    x, y = _x(T), _y(T)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return T.autograd.functional.jacobian(_f2, (x, y), vectorize=True)


@conformance()
def test_jacobian_inputs_require_grad(T):
    x = _x(T, grad=True)
    jac = T.autograd.functional.jacobian(_f1, x)
    return jac, jac.requires_grad, x.grad is None


@conformance()
def test_jacobian_create_graph(T):
    x = _x(T, grad=True)
    jac = T.autograd.functional.jacobian(_f1, x, create_graph=True)
    (jac ** 2).sum().backward()
    return jac, jac.requires_grad, x.grad


@conformance()
def test_jacobian_create_graph_closure(T):
    """With create_graph=True the result is differentiable with respect to tensors the function closes over."""
    x = _x(T, grad=True)
    w = tensor(T, (3,), grad=True, seed=2)
    jac = T.autograd.functional.jacobian(lambda a: (a * w).tanh(), x, create_graph=True)
    jac.sum().backward()
    return jac, w.grad, x.grad


@conformance()
def test_jacobian_independent_output(T):
    x = _x(T)
    return T.autograd.functional.jacobian(lambda a: T.ones(2), x), T.autograd.functional.jacobian(
        lambda a, b: a * 2, (x, _y(T)))


@pytest.mark.parametrize("case", ["strict_independent", "list_inputs", "int_output", "forward_no_vectorize",
                                  "bad_strategy"])
@conformance(errors=True)
def test_jacobian_errors(T, case):
    J, x = T.autograd.functional.jacobian, _x(T)
    if case == "strict_independent":
        return J(lambda a: T.ones(3), x, strict=True)
    if case == "list_inputs":
        return J(_f1, [x])
    if case == "int_output":
        return J(lambda a: 3, x)
    if case == "forward_no_vectorize":
        return J(_f1, x, strategy="forward-mode")
    return J(_f1, x, strategy="sideways")


@pytest.mark.parametrize("case", ["output_no_grad", "independent_input", "forward_mode", "create_graph_linear", "ok"])
@conformance()
def test_jacobian_strict(T, case):
    J, x, y = T.autograd.functional.jacobian, _x(T), _y(T)
    try:
        if case == "output_no_grad":
            return J(lambda a: a.detach() * 2, x, strict=True)
        if case == "independent_input":
            return J(lambda a, b: a * 2, (x, y), strict=True)
        if case == "forward_mode":
            return J(_f1, x, strict=True, vectorize=True, strategy="forward-mode")
        if case == "create_graph_linear":  # the jacobian of a linear function does not depend on the input
            return J(lambda a: a * 2, x, strict=True, create_graph=True)
        return J(_f2, (x, y), strict=True)
    except RuntimeError as e:
        return str(e)


@conformance()
def test_jacobian_create_graph_closure_tuple(T):
    x, y = _x(T, grad=True), _y(T, grad=True)
    w = tensor(T, (3,), grad=True, seed=2)
    jx, jy = T.autograd.functional.jacobian(lambda a, b: (a * w).tanh() + b.sum(0) * w, (x, y), create_graph=True)
    (jx.sum() + (jy ** 2).sum()).backward()
    return jx, jy, jx.requires_grad, w.grad, x.grad


# --- hessian ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["single", "tuple", "one_tuple"])
@conformance()
def test_hessian(T, case):
    H = T.autograd.functional.hessian
    x, y = _x(T), _y(T)
    if case == "single":
        return H(_scalar, x)
    if case == "tuple":
        return H(_scalar2, (x, y))
    return H(_scalar, (x,))


@conformance()
def test_hessian_create_graph(T):
    x = _x(T, grad=True)
    h = T.autograd.functional.hessian(_scalar, x, create_graph=True)
    h.trace().backward()
    return h, h.requires_grad, x.grad


@conformance(errors=True)
def test_hessian_non_scalar(T):
    return T.autograd.functional.hessian(_f1, _x(T))


# --- vjp / jvp -------------------------------------------------------------------------------------


@conformance()
def test_vjp(T):
    F = T.autograd.functional
    x, y = _x(T), _y(T)
    v = tensor(T, (3,), seed=3)
    return (F.vjp(_f1, x, v), F.vjp(_scalar, x), F.vjp(_f2, (x, y), v),
            F.vjp(_f_two_out, (x, y), (v, T.tensor(2.0))))


@conformance()
def test_vjp_create_graph(T):
    x = _x(T, grad=True)
    v = tensor(T, (3,), seed=3)
    out, g = T.autograd.functional.vjp(_f1, x, v, create_graph=True)
    (g * g).sum().backward()
    return out, g, out.requires_grad, g.requires_grad, x.grad


@conformance()
def test_vjp_outputs_detached(T):
    x = _x(T, grad=True)
    out, g = T.autograd.functional.vjp(_f1, x, tensor(T, (3,), seed=3))
    return out, g, out.requires_grad, g.requires_grad


@conformance()
def test_jvp(T):
    F = T.autograd.functional
    x, y = _x(T), _y(T)
    vx, vy = tensor(T, (3,), seed=3), tensor(T, (2, 3), seed=4)
    return (F.jvp(_f1, x, vx), F.jvp(_f2, (x, y), (vx, vy)), F.jvp(_f_two_out, (x, y), (vx, vy)),
            F.jvp(lambda a: a.exp() * 2, T.tensor(0.5)))


@conformance()
def test_jvp_create_graph(T):
    x = _x(T, grad=True)
    out, t = T.autograd.functional.jvp(_f1, x, tensor(T, (3,), seed=3), create_graph=True)
    t.sum().backward()
    return out, t, t.requires_grad, x.grad


@pytest.mark.parametrize("fn", ["vjp", "jvp"])
@conformance(errors=True)
def test_v_none_requires_single_element(T, fn):
    return getattr(T.autograd.functional, fn)(_f1, _x(T))


# --- hvp / vhp -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", ["hvp", "vhp"])
@conformance()
def test_hvp_vhp(T, fn):
    F = getattr(T.autograd.functional, fn)
    x, y = _x(T), _y(T)
    vx, vy = tensor(T, (3,), seed=3), tensor(T, (2, 3), seed=4)
    return F(_scalar, x, vx), F(_scalar2, (x, y), (vx, vy))


@pytest.mark.parametrize("fn", ["hvp", "vhp"])
@conformance()
def test_hvp_vhp_create_graph(T, fn):
    x = _x(T, grad=True)
    out, hv = getattr(T.autograd.functional, fn)(_scalar, x, tensor(T, (3,), seed=3), create_graph=True)
    hv.sum().backward()
    return out, hv, hv.requires_grad, x.grad


@conformance()
def test_hvp_matches_hessian(T):
    F = T.autograd.functional
    x, v = _x(T), tensor(T, (3,), seed=3)
    h = F.hessian(_scalar, x)
    return F.hvp(_scalar, x, v)[1], h @ v, F.vhp(_scalar, x, v)[1], v @ h
