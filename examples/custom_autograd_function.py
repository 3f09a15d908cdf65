"""Custom torch.autograd.Function: a Swish activation with a hand-written backward, a straight-through rounding
estimator, and a two-input function in the setup_context style; checked against autograd and finite differences,
then used to train a network with fake-quantised weights.

    python examples/custom_autograd_function.py --steps 80
    torchax run examples/custom_autograd_function.py --steps 80
"""

import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class Swish(torch.autograd.Function):
    """x * sigmoid(x), saving only the input; backward: s * (1 + x * (1 - s))."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * torch.sigmoid(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        s = torch.sigmoid(x)
        return grad_output * s * (1 + x * (1 - s))


class RoundSTE(torch.autograd.Function):
    """Rounds to a grid of `step` in forward; passes the gradient straight through (the grid gets none)."""

    @staticmethod
    def forward(ctx, x, step):
        return torch.round(x / step) * step

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, None


class ScaledDot(torch.autograd.Function):
    """(a * b).sum(-1) * scale, in the setup_context style; also returns the argmax, marked non-differentiable."""

    @staticmethod
    def forward(a, b, scale):
        products = a * b
        return products.sum(-1) * scale, products.argmax(-1)

    @staticmethod
    def setup_context(ctx, inputs, output):
        a, b, scale = inputs
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        ctx.mark_non_differentiable(output[1])

    @staticmethod
    def backward(ctx, grad_out, grad_argmax):
        a, b = ctx.saved_tensors
        g = grad_out.unsqueeze(-1) * ctx.scale
        grad_a = g * b if ctx.needs_input_grad[0] else None
        grad_b = g * a if ctx.needs_input_grad[1] else None
        return grad_a, grad_b, None


class QuantLinear(nn.Linear):
    """A linear layer whose weights are rounded to a grid in forward (quantisation-aware training)."""

    def forward(self, x):
        return F.linear(x, RoundSTE.apply(self.weight, 0.05), self.bias)


def finite_difference(fn, x, eps=1e-6):
    """Central differences of sum(fn(x)) with respect to every element of x (float64)."""
    grad = torch.zeros_like(x)
    flat, out = x.view(-1), grad.view(-1)
    for i in range(flat.numel()):
        old = flat[i].item()
        flat[i] = old + eps
        plus = fn(x).sum().item()
        flat[i] = old - eps
        minus = fn(x).sum().item()
        flat[i] = old
        out[i] = (plus - minus) / (2 * eps)
    return grad


def checks():
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    (g_custom,) = torch.autograd.grad(Swish.apply(x).sum(), x)
    (g_auto,) = torch.autograd.grad(F.silu(x).sum(), x)
    g_fd = finite_difference(lambda t: Swish.apply(t), x.detach().clone())
    print(f"swish backward matches autograd: {torch.allclose(g_custom, g_auto, rtol=1e-12, atol=1e-12)}  "
          f"finite differences: {torch.allclose(g_custom, g_fd, rtol=0, atol=1e-6)}")
    print(f"swish grad_fn {type(Swish.apply(x).grad_fn).__name__}")

    w = torch.tensor([0.12, -0.26, 0.031], requires_grad=True)
    q = RoundSTE.apply(w, 0.05)
    (q * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    print(f"rounded {[round(v, 4) for v in q.tolist()]}  straight-through grad {w.grad.tolist()}")

    a = torch.randn(2, 5, requires_grad=True)
    b = torch.randn(2, 5)
    out, idx = ScaledDot.apply(a, b, 0.5)
    out.sum().backward()
    print(f"scaled dot {[round(v, 5) for v in out.tolist()]}  argmax {idx.tolist()} "
          f"requires_grad {idx.requires_grad}  grad matches {torch.allclose(a.grad, 0.5 * b)}  b.grad {b.grad}")


def main(steps, log_every=20):
    torch.manual_seed(0)
    checks()
    x = torch.randn(256, 8)
    y = (x[:, :1] * x[:, 1:2] + torch.sin(x[:, 2:3])).squeeze(1)
    model = nn.Sequential(QuantLinear(8, 32), nn.Identity(), QuantLinear(32, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for step in range(1, steps + 1):
        hidden = Swish.apply(model[0](x))
        pred = model[2](hidden).squeeze(1)
        loss = F.mse_loss(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % log_every == 0 or step == 1:
            print(f"step {step:3d}  loss {loss.item():.6f}")
    grid = RoundSTE.apply(model[0].weight, 0.05).detach()
    print(f"distinct quantised weight values {torch.unique(grid).numel()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=80)
    main(parser.parse_args().steps)
