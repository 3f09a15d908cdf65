"""The Adam family: torch.optim.Adam, AdamW, Adamax, NAdam, RAdam."""

from __future__ import annotations

import jax.numpy as jnp

from torchax._tensor import Tensor
from torchax.optim._fused import (
    _FusedOptimizer,
    add,
    addcdiv,
    addcmul,
    adds,
    div,
    divs,
    f64,
    lerp,
    mul,
    muls,
    new_scalar,
    rdivs,
    sqrt,
    step_value,
    sub,
    zeros_like,
)
from torchax.optim.optimizer import _check_fused, _check_tensor_lr, _to_scalar

__all__ = ["Adam", "AdamW", "Adamax", "NAdam", "RAdam", "SparseAdam"]


def _check_common(lr, eps, betas, weight_decay) -> None:
    _check_tensor_lr(lr)
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _betas_hparams(group) -> dict:
    b1, b2 = group["betas"]
    return {"lr": _to_scalar(group["lr"]), "beta1": _to_scalar(b1), "beta2": _to_scalar(b2), "eps": group["eps"],
            "weight_decay": group["weight_decay"]}


def _decay(cfg_decay, decoupled, hp, p, g):
    """L2 penalty added to the gradient, or decoupled (AdamW-style) shrinking of the parameter."""
    if cfg_decay:
        if decoupled:
            p = muls(p, 1 - hp["lr"] * hp["weight_decay"])
        else:
            g = add(g, p, hp["weight_decay"])
    return p, g


def _moments(hp, g, state):
    """exp_avg.lerp_(g, 1 - beta1); exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)."""
    m = lerp(state["exp_avg"], g, 1 - hp["beta1"])
    v = addcmul(muls(state["exp_avg_sq"], hp["beta2"]), g, g, 1 - hp["beta2"])
    return m, v


def _adam_state(p, amsgrad: bool) -> dict:
    state = {"step": new_scalar(0.0, p), "exp_avg": zeros_like(p), "exp_avg_sq": zeros_like(p)}
    if amsgrad:
        state["max_exp_avg_sq"] = zeros_like(p)
    return state


class Adam(_FusedOptimizer):
    """torchax implementation of `torch.optim.Adam` (amsgrad, maximize, decoupled_weight_decay)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False) -> None:
        if isinstance(lr, Tensor) and foreach and not capturable:
            raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
        _check_common(lr, eps, betas, weight_decay)
        if not (isinstance(betas[0], float) and isinstance(betas[1], float)
                or isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor)):
            raise ValueError("betas must be either both floats or both Tensors")
        for i in (0, 1):
            if isinstance(betas[i], Tensor):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for capturable=False and foreach=True")
                if betas[i].numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(map(_to_scalar, betas))
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            for k, v in (("amsgrad", False), ("maximize", False), ("foreach", None), ("capturable", False),
                         ("differentiable", False), ("decoupled_weight_decay", False), ("fused", None)):
                group.setdefault(k, v)

    def _init_state(self, p, group):
        return _adam_state(p, group["amsgrad"])

    _hparams = staticmethod(_betas_hparams)

    def _static(self, group):
        return (group["maximize"], group["weight_decay"] != 0, group["decoupled_weight_decay"], group["amsgrad"])

    _scalar_state = ("step",)

    @staticmethod
    def _scalars(cfg, hp, sc):
        step, s = step_value(sc)
        return {"step": step}, {"step_size": hp["lr"] / (1 - hp["beta1"] ** s),
                                "bc2_sqrt": (1 - hp["beta2"] ** s) ** 0.5}

    @staticmethod
    def _update(cfg, hp, c, p, g, state):
        maximize, decay, decoupled, amsgrad = cfg
        if maximize:
            g = -g
        p, g = _decay(decay, decoupled, hp, p, g)
        m, v = _moments(hp, g, state)
        new = {"exp_avg": m, "exp_avg_sq": v}
        if amsgrad:
            v = new["max_exp_avg_sq"] = jnp.maximum(state["max_exp_avg_sq"], v)
        denom = adds(divs(sqrt(v), c["bc2_sqrt"]), hp["eps"])
        return addcdiv(p, m, denom, -c["step_size"]), new


class AdamW(Adam):
    """torchax implementation of `torch.optim.AdamW` (Adam with decoupled weight decay, default 1e-2)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True


class Adamax(_FusedOptimizer):
    """torchax implementation of `torch.optim.Adamax` (infinity-norm Adam)."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False) -> None:
        _check_common(lr, eps, betas, weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        return {"step": new_scalar(0.0, p), "exp_avg": zeros_like(p), "exp_inf": zeros_like(p)}

    _hparams = staticmethod(_betas_hparams)

    def _static(self, group):
        return (group["maximize"], group["weight_decay"] != 0)

    _scalar_state = ("step",)

    @staticmethod
    def _scalars(cfg, hp, sc):
        step, s = step_value(sc)
        return {"step": step}, {"clr": hp["lr"] / (1 - hp["beta1"] ** s)}

    @staticmethod
    def _update(cfg, hp, c, p, g, state):
        maximize, decay = cfg
        if maximize:
            g = -g
        if decay:
            g = add(g, p, hp["weight_decay"])
        m = lerp(state["exp_avg"], g, 1 - hp["beta1"])
        exp_inf = jnp.maximum(muls(state["exp_inf"], hp["beta2"]), adds(jnp.abs(g), hp["eps"]))
        return addcdiv(p, m, exp_inf, -c["clr"]), {"exp_avg": m, "exp_inf": exp_inf}


class NAdam(_FusedOptimizer):
    """torchax implementation of `torch.optim.NAdam` (momentum_decay, decoupled_weight_decay)."""

    _capturable_names = "params, mu_products and state_steps"

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False) -> None:
        _check_common(lr, eps, betas, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        return {"step": new_scalar(0.0, p), "mu_product": new_scalar(1.0, p), "exp_avg": zeros_like(p),
                "exp_avg_sq": zeros_like(p)}

    def _hparams(self, group):
        return {**_betas_hparams(group), "momentum_decay": group["momentum_decay"]}

    def _static(self, group):
        return (group["maximize"], group["weight_decay"] != 0, group["decoupled_weight_decay"])

    _scalar_state = ("step", "mu_product")

    @staticmethod
    def _scalars(cfg, hp, sc):
        step, s = step_value(sc)
        b1, lr = hp["beta1"], hp["lr"]
        mu = b1 * (1.0 - 0.5 * 0.96 ** (s * hp["momentum_decay"]))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((s + 1) * hp["momentum_decay"]))
        mu_product = muls(sc["mu_product"], mu)
        prod = mu_product.astype(f64)
        return {"step": step, "mu_product": mu_product}, {
            "bc2": 1 - hp["beta2"] ** s, "grad_coef": -lr * (1.0 - mu) / (1.0 - prod),
            "avg_coef": -lr * mu_next / (1.0 - prod * mu_next)}

    @staticmethod
    def _update(cfg, hp, c, p, g, state):
        maximize, decay, decoupled = cfg
        if maximize:
            g = -g
        p, g = _decay(decay, decoupled, hp, p, g)
        m, v = _moments(hp, g, state)
        denom = adds(sqrt(divs(v, c["bc2"])), hp["eps"])
        p = addcdiv(p, g, denom, c["grad_coef"])
        p = addcdiv(p, m, denom, c["avg_coef"])
        return p, {"exp_avg": m, "exp_avg_sq": v}


class RAdam(_FusedOptimizer):
    """torchax implementation of `torch.optim.RAdam` (rectified Adam)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False) -> None:
        _check_common(lr, eps, betas, weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable, "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        return _adam_state(p, False)

    _hparams = staticmethod(_betas_hparams)

    def _static(self, group):
        return (group["maximize"], group["weight_decay"] != 0, group["decoupled_weight_decay"])

    _scalar_state = ("step",)

    @staticmethod
    def _scalars(cfg, hp, sc):
        step, s = step_value(sc)
        b2 = hp["beta2"]
        bc2 = 1 - b2 ** s
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * s * b2 ** s / bc2
        # NOTE: torch branches on rho_t in Python; the rectifier is NaN (sqrt of a negative) when unused
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        rectify = rho_t > 5.0
        return {"step": step}, {"bc1": 1 - hp["beta1"] ** s, "bc2_sqrt": bc2 ** 0.5, "rectify": rectify,
                                "rect": jnp.where(rectify, rect, 1.0)}

    @staticmethod
    def _update(cfg, hp, c, p, g, state):
        maximize, decay, decoupled = cfg
        if maximize:
            g = -g
        p, g = _decay(decay, decoupled, hp, p, g)
        m, v = _moments(hp, g, state)
        lr = hp["lr"]
        corrected = divs(m, c["bc1"])
        adaptive = rdivs(c["bc2_sqrt"], adds(sqrt(v), hp["eps"]))
        rectified = muls(mul(muls(corrected, lr), adaptive), c["rect"])
        update = jnp.where(c["rectify"], rectified, muls(corrected, lr))
        return add(p, update, -1.0), {"exp_avg": m, "exp_avg_sq": v}


class SparseAdam(_FusedOptimizer):
    """torchax implementation of `torch.optim.SparseAdam`.

    torchax gradients are dense (an Embedding(sparse=True) gives a dense gradient); the rows of a gradient that
    are entirely zero count as absent, so only the looked-up rows (and their moments) are updated, as in torch.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False) -> None:
        _check_tensor_lr(lr)
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "maximize": maximize})
        complex_params = [[i, j] for i, group in enumerate(self.param_groups)
                          for j, p in enumerate(group["params"]) if p.is_complex()]
        if complex_params:
            raise ValueError(f"Complex params at indices {complex_params}: SparseAdam does not support complex "
                             "parameters")

    def _init_state(self, p, group):
        return {"step": 0, "exp_avg": zeros_like(p), "exp_avg_sq": zeros_like(p)}

    def _gather(self, group):
        params = super()._gather(group)
        for p in params:  # NOTE: torch keeps this step as a Python int, counted on the host
            self.state[p]["step"] += 1
        return params

    def _hparams(self, group):
        b1, b2 = group["betas"]
        return {"lr": _to_scalar(group["lr"]), "beta1": b1, "beta2": b2, "eps": group["eps"]}

    def _static(self, group):
        return group.get("maximize", False)

    @staticmethod
    def _update(maximize, hp, c, p, g, state):
        if maximize:
            g = -g
        rows = jnp.any(g != 0, axis=tuple(range(1, g.ndim))) if g.ndim > 1 else g != 0
        rows = rows.reshape(rows.shape + (1,) * (g.ndim - rows.ndim))
        m, v, s = state["exp_avg"], state["exp_avg_sq"], state["step"]
        m_step = muls(sub(g, m), 1 - hp["beta1"])
        v_step = muls(sub(mul(g, g), v), 1 - hp["beta2"])
        numer = add(m_step, m)
        denom = adds(sqrt(add(v_step, v)), hp["eps"])
        bc1, bc2 = 1 - hp["beta1"] ** s, 1 - hp["beta2"] ** s
        step_size = hp["lr"] * jnp.sqrt(bc2) / bc1
        new_p = add(p, muls(div(numer, denom), -step_size))
        pick = lambda new, old: jnp.where(rows, new, old)  # noqa: E731 - absent rows keep their values
        return pick(new_p, p), {"exp_avg": pick(add(m, m_step), m), "exp_avg_sq": pick(add(v, v_step), v)}
