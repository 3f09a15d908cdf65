"""Conformance: gradients of complex tensors (torch's conjugate Wirtinger convention) at every place a user sees one."""

import pytest
from harness import conformance, message as _message


def _z(T, grad=True):
    return T.tensor([1 + 2j, -0.5 + 1j, 0.25 - 2j], requires_grad=grad)


def _m(T, seed):
    vals = [[1 + 1j, 2 - 1j, 0.5], [0.5j, -1, 1 - 1j]] if seed == 0 else [[2 - 1j, 1j], [1, 1 + 3j], [-0.5j, 2]]
    return T.tensor(vals, requires_grad=True)


LOSSES = {
    "abs": lambda T, z: z.abs().sum(),
    "abs_sq": lambda T, z: (z * z.conj()).real.sum(),
    "real_imag": lambda T, z: (z.real * 2 - z.imag ** 2).sum(),
    "angle": lambda T, z: z.angle().sum(),
    "exp": lambda T, z: z.exp().abs().sum(),
    "holomorphic_real": lambda T, z: (z * z * (1 + 2j)).real.sum(),
    "view_as_real": lambda T, z: (T.view_as_real(z) * T.tensor([[1.0, 2.0], [3.0, 4.0], [-1.0, 0.5]])).sum(),
    "mixed_real_leaf": lambda T, z: (z * T.tensor([1.0, 2.0, 3.0])).abs().pow(2).sum(),
}


@pytest.mark.parametrize("loss", list(LOSSES))
@conformance()
def test_complex_leaf_grad(T, loss):
    z = _z(T)
    LOSSES[loss](T, z).backward()
    return z.grad


@conformance()
def test_complex_matmul_and_real_leaf(T):
    a, b = _m(T, 0), _m(T, 1)
    x = T.tensor([1.0, -2.0], requires_grad=True)
    ((a @ b).abs() ** 2).sum().backward()
    ((x * (1 + 2j)) ** 2).abs().sum().backward()
    return a.grad, b.grad, x.grad, x.grad.dtype


@conformance()
def test_complex_autograd_grad_and_seeds(T):
    z = _z(T)
    seed = T.tensor([1 + 1j, 2 - 1j, -1j])
    (g1,) = T.autograd.grad((z * z).real.sum(), z)
    (g2,) = T.autograd.grad(z * z, z, grad_outputs=seed)
    (z * z.exp()).backward(seed)
    return g1, g2, z.grad


@conformance()
def test_complex_create_graph(T):
    z = _z(T)
    (g,) = T.autograd.grad((z * z.conj() * z).real.sum(), z, create_graph=True)
    (gg,) = T.autograd.grad(g.abs().sum(), z)
    return g.detach(), gg


@conformance()
def test_complex_hooks(T):
    z = _z(T)
    seen = []
    y = z * (2 + 1j)
    y.register_hook(lambda g: seen.append(g.clone()))
    y.register_hook(lambda g: g * 1j)  # the replacement is in torch's convention too
    z.register_hook(lambda g: seen.append(g.clone()))
    y.retain_grad()
    (y.abs() ** 2).sum().backward()
    return seen, y.grad, z.grad


@conformance()
def test_complex_node_hooks(T):
    z = _z(T)
    seen = []
    y = z.exp()
    y.grad_fn.register_prehook(lambda go: seen.append(go[0].clone()))
    y.grad_fn.register_hook(lambda gi, go: (gi[0] * 1j,))
    y.real.sum().backward()
    return seen, z.grad


@conformance()
def test_complex_function(T):
    """A Function's backward gets and returns gradients in torch's convention."""

    class Conj(T.autograd.Function):
        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return z * z

        @staticmethod
        def backward(ctx, g):
            (z,) = ctx.saved_tensors
            return g * 2 * z.conj()

    z = _z(T)
    Conj.apply(z).abs().sum().backward()
    return z.grad


@conformance()
def test_complex_implicit_grad_error(T):
    z = _z(T)
    return _message(lambda: (z * z).sum().backward(), "real scalar outputs")
