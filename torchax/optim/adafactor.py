"""Optimizers that treat matrices as matrices: torch.optim.Adafactor (factored second moments) and Muon."""

from __future__ import annotations

import math

import jax.numpy as jnp

from torchax.optim._fused import (
    _FusedOptimizer,
    add,
    f64,
    lerp,
    muls,
    new_scalar,
    placed,
    step_value,
    zeros_like,
)
from torchax.optim.optimizer import _check_tensor_lr, _to_scalar

__all__ = ["Adafactor", "Muon"]


def _norm(x, axis=None, keepdims=False):
    """torch.norm(x, 2, dim): sqrt of the sum of squares, in the op-math dtype."""
    xf = x.astype(jnp.float32) if x.dtype in (jnp.bfloat16, jnp.float16) else x
    return jnp.sqrt(jnp.sum(xf * xf, axis=axis, keepdims=keepdims)).astype(x.dtype)


class Adafactor(_FusedOptimizer):
    """torchax implementation of `torch.optim.Adafactor`."""

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False) -> None:
        _check_tensor_lr(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    def _check_param(self, p, group) -> None:
        if p.is_complex():
            raise RuntimeError("Adafactor does not support complex parameters")

    def _init_state(self, p, group):
        g = p.grad
        state = {"step": new_scalar(0.0, p)}
        if g.dim() > 1:
            state["row_var"] = _zeros(g.shape[:-1] + (1,), g)
            state["col_var"] = _zeros(g.shape[:-2] + (1,) + g.shape[-1:], g)
        else:
            state["variance"] = zeros_like(g)
        return state

    def _hparams(self, group):
        return {"lr": _to_scalar(group["lr"]), "beta2_decay": group["beta2_decay"], "eps2": group["eps"][1],
                "d": group["d"], "weight_decay": group["weight_decay"]}

    def _static(self, group):
        eps1 = group["eps"][0]
        if eps1 is None:  # NOTE: torch takes it from the first parameter with a gradient, for the whole group
            import numpy as np

            from torchax import _dtype

            first = next((p for p in group["params"] if p.grad is not None), None)
            eps1 = float(np.finfo(_dtype.JNP[first.dtype]).eps) if first is not None else None
        return (group["maximize"], group["weight_decay"] != 0, eps1)

    _scalar_state = ("step",)

    @staticmethod
    def _scalars(cfg, hp, sc):
        step, s = step_value(sc)
        return {"step": step}, {"beta2_t": s ** hp["beta2_decay"], "rho_t": jnp.minimum(hp["lr"], 1 / s ** 0.5)}

    @staticmethod
    def _update(cfg, hp, c, p, g, state):
        maximize, decay, eps1 = cfg
        if maximize:
            g = -g
        lr, beta2_t = hp["lr"], c["beta2_t"]
        alpha = jnp.maximum(hp["eps2"], _norm(p).astype(f64) / math.sqrt(p.size)) * c["rho_t"]
        if decay:
            p = muls(p, 1 - lr * hp["weight_decay"])
        new = {}
        if g.ndim > 1:
            row_mean = (_norm(g, -1, True) ** 2) / jnp.asarray(g.shape[-1], g.dtype)
            col_mean = (_norm(g, -2, True) ** 2) / jnp.asarray(g.shape[-2], g.dtype)
            row_var = new["row_var"] = lerp(state["row_var"], row_mean, beta2_t)
            col_var = new["col_var"] = lerp(state["col_var"], col_mean, beta2_t)
            estimate = row_var * col_var  # (..., R, 1) @ (..., 1, C): an outer product
            estimate = estimate / jnp.maximum(jnp.mean(row_var, axis=-2, keepdims=True), jnp.asarray(eps1, g.dtype))
        else:
            estimate = new["variance"] = lerp(state["variance"], g * g, beta2_t)
        update = (1 / jnp.sqrt(jnp.maximum(estimate, jnp.asarray(eps1 * eps1, g.dtype)))) * g
        denom = jnp.maximum(1.0, _norm(update).astype(f64) / (math.sqrt(update.size) * hp["d"]))
        return add(p, update, -alpha / denom), new


def _zeros(shape, like):
    return placed(jnp.zeros(tuple(shape), like._value.dtype), like)


def _newton_schulz(grad, coefficients, steps: int, eps: float):
    """torch's _zeropower_via_newtonschulz in bfloat16: matmuls accumulate in float32, round once per addmm."""
    if steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if grad.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = coefficients
    bf16, f32 = jnp.bfloat16, jnp.float32
    x = grad.astype(bf16)
    tall = grad.shape[0] > grad.shape[1]
    if tall:
        x = x.T
    norm = _norm(x)
    x = (x.astype(f32) / jnp.maximum(norm, jnp.asarray(eps, bf16)).astype(f32)).astype(bf16)

    def mm(u, v):
        return jnp.matmul(u, v, preferred_element_type=f32)

    for _ in range(steps):
        gram = mm(x, x.T).astype(bf16)
        update = (b * gram.astype(f32) + c * mm(gram, gram)).astype(bf16)
        x = (a * x.astype(f32) + mm(update, x)).astype(bf16)
    return x.T if tall else x


def _adjust_lr(lr, adjust_lr_fn, shape):
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        ratio = math.sqrt(max(1, rows / cols))
    elif adjust_lr_fn == "match_rms_adamw":
        ratio = 0.2 * math.sqrt(max(rows, cols))
    else:
        ratio = 1.0
    return lr * ratio


class Muon(_FusedOptimizer):
    """torchax implementation of `torch.optim.Muon` (orthogonalised momentum for 2-D parameters)."""

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None) -> None:
        _check_tensor_lr(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ("original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = {"lr": lr, "weight_decay": weight_decay, "momentum": momentum, "nesterov": nesterov,
                    "ns_coefficients": ns_coefficients, "eps": eps, "ns_steps": ns_steps, "adjust_lr_fn": adjust_lr_fn}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"{p.size()}")

    def _check_param(self, p, group) -> None:
        if p.is_complex():
            raise RuntimeError("Muon does not support complex parameters")
        if p.grad.ndim != 2:
            raise ValueError("Param gradient must be a 2D matrix")

    def _init_state(self, p, group):
        return {"momentum_buffer": zeros_like(p.grad)}

    def _hparams(self, group):
        return {k: _to_scalar(group[k]) for k in ("lr", "weight_decay", "momentum")}

    def _static(self, group):
        return (group["nesterov"], tuple(group["ns_coefficients"]), group["ns_steps"], group["eps"],
                group["adjust_lr_fn"])

    @staticmethod
    def _update(cfg, hp, c, p, g, state):
        nesterov, coefficients, steps, eps, adjust_lr_fn = cfg
        buf = lerp(state["momentum_buffer"], g, 1 - hp["momentum"])
        update = lerp(g, buf, hp["momentum"]) if nesterov else buf
        update = _newton_schulz(update, coefficients, steps, eps)
        lr = hp["lr"]
        p = muls(p, 1 - lr * hp["weight_decay"])
        return add(p, update.astype(p.dtype), -_adjust_lr(lr, adjust_lr_fn, p.shape)), {"momentum_buffer": buf}
