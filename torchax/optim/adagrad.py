"""Per-coordinate adaptive step sizes: torch.optim.Adagrad, Adadelta, RMSprop, Rprop."""

from __future__ import annotations

import jax.numpy as jnp

from torchax.optim._fused import (
    _FusedOptimizer,
    add,
    addcdiv,
    addcmul,
    adds,
    div,
    full_like,
    lerp,
    mul,
    muls,
    new_scalar,
    scalar,
    sqrt,
    step_value,
    zeros_like,
)
from torchax.optim.optimizer import _check_fused, _check_tensor_lr, _to_scalar

__all__ = ["Adagrad", "Adadelta", "RMSprop", "Rprop"]


def _check_lr(lr) -> None:
    _check_tensor_lr(lr)
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _prepare(maximize, decay, hp, p, g):
    """Negate for maximize, then add the L2 penalty."""
    if maximize:
        g = -g
    if decay:
        g = add(g, p, hp["weight_decay"])
    return g


def _count_step(cfg, hp, sc):
    """The only scalar state: `step += 1`."""
    return {"step": step_value(sc)[0]}, {}


class Adagrad(_FusedOptimizer):
    """torchax implementation of `torch.optim.Adagrad` (lr_decay, initial_accumulator_value)."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None) -> None:
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)
        # NOTE: torch creates Adagrad's state eagerly, for every parameter
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p].update(self._init_state(p, group))

    def _init_state(self, p, group):
        init = self.defaults["initial_accumulator_value"]
        return {"step": new_scalar(0.0, p), "sum": full_like(p, complex(init, init) if p.is_complex() else init)}

    def _hparams(self, group):
        return {k: _to_scalar(group[k]) for k in ("lr", "lr_decay", "eps", "weight_decay")}

    def _static(self, group):
        return (group["maximize"], group["weight_decay"] != 0)

    _scalar_state = ("step",)

    @staticmethod
    def _scalars(cfg, hp, sc):
        step, s = step_value(sc)
        return {"step": step}, {"clr": hp["lr"] / (1 + (s - 1) * hp["lr_decay"])}

    @staticmethod
    def _update(cfg, hp, c, p, g, state):
        g = _prepare(*cfg, hp, p, g)
        total = addcmul(state["sum"], g, g, 1.0)
        std = adds(sqrt(total), hp["eps"])
        return addcdiv(p, g, std, -c["clr"]), {"sum": total}


class Adadelta(_FusedOptimizer):
    """torchax implementation of `torch.optim.Adadelta`."""

    _capturable_xla = False

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "capturable": capturable, "foreach": foreach, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        return {"step": new_scalar(0.0, p), "square_avg": zeros_like(p), "acc_delta": zeros_like(p)}

    def _hparams(self, group):
        return {k: _to_scalar(group[k]) for k in ("lr", "rho", "eps", "weight_decay")}

    def _static(self, group):
        return (group["maximize"], group["weight_decay"] != 0)

    _scalar_state = ("step",)
    _scalars = staticmethod(_count_step)

    @staticmethod
    def _update(cfg, hp, c, p, g, state):
        g = _prepare(*cfg, hp, p, g)
        rho, eps = hp["rho"], hp["eps"]
        square_avg = addcmul(muls(state["square_avg"], rho), g, g, 1 - rho)
        std = sqrt(adds(square_avg, eps))
        delta = mul(div(sqrt(adds(state["acc_delta"], eps)), std), g)
        acc_delta = addcmul(muls(state["acc_delta"], rho), delta, delta, 1 - rho)
        return add(p, delta, -hp["lr"]), {"square_avg": square_avg, "acc_delta": acc_delta}


class RMSprop(_FusedOptimizer):
    """torchax implementation of `torch.optim.RMSprop` (centered, momentum)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False) -> None:
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        state = {"step": new_scalar(0.0, p), "square_avg": zeros_like(p)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = zeros_like(p)
        return state

    def _hparams(self, group):
        return {k: _to_scalar(group[k]) for k in ("lr", "momentum", "alpha", "eps", "weight_decay")}

    def _static(self, group):
        return (group["maximize"], group["weight_decay"] != 0, group["centered"], group["momentum"] > 0)

    _scalar_state = ("step",)
    _scalars = staticmethod(_count_step)

    @staticmethod
    def _update(cfg, hp, c, p, g, state):
        maximize, decay, centered, has_momentum = cfg
        g = _prepare(maximize, decay, hp, p, g)
        alpha = hp["alpha"]
        square_avg = addcmul(muls(state["square_avg"], alpha), g, g, 1 - alpha)
        new = {"square_avg": square_avg}
        if centered:
            grad_avg = new["grad_avg"] = lerp(state["grad_avg"], g, 1 - alpha)
            avg = sqrt(addcmul(square_avg, grad_avg, grad_avg, -1.0))
        else:
            avg = sqrt(square_avg)
        avg = adds(avg, hp["eps"])
        if has_momentum:
            buf = new["momentum_buffer"] = addcdiv(muls(state["momentum_buffer"], hp["momentum"]), g, avg)
            return add(p, buf, -hp["lr"]), new
        return addcdiv(p, g, avg, -hp["lr"]), new


class Rprop(_FusedOptimizer):
    """torchax implementation of `torch.optim.Rprop` (resilient backpropagation)."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False) -> None:
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        lr = _to_scalar(group["lr"])
        lr = float(lr) if not p.is_complex() else complex(float(lr), float(lr))
        return {"step": new_scalar(0.0, p), "prev": zeros_like(p), "step_size": full_like(p.grad, lr)}

    def _hparams(self, group):
        (etaminus, etaplus), (lo, hi) = group["etas"], group["step_sizes"]
        return {"etaminus": etaminus, "etaplus": etaplus, "step_size_min": lo, "step_size_max": hi}

    def _static(self, group):
        return group["maximize"]

    _scalar_state = ("step",)
    _scalars = staticmethod(_count_step)

    @staticmethod
    def _update(maximize, hp, c, p, g, state):
        if maximize:
            g = -g
        prev, step_size = state["prev"], state["step_size"]
        sign = jnp.sign(mul(g, prev))
        etaminus = scalar(hp["etaminus"], sign).astype(sign.dtype)
        # NOTE: torch rewrites the signs in place, in this order (a NaN sign stays NaN)
        factor = jnp.where(sign > 0, scalar(hp["etaplus"], sign).astype(sign.dtype), sign)
        factor = jnp.where(factor < 0, etaminus, factor)
        factor = jnp.where(factor == 0, jnp.ones_like(factor), factor)
        step_size = jnp.clip(mul(step_size, factor), scalar(hp["step_size_min"], step_size).astype(step_size.dtype),
                             scalar(hp["step_size_max"], step_size).astype(step_size.dtype))
        g = jnp.where(factor == etaminus, jnp.zeros_like(g), g)
        p = addcmul(p, jnp.sign(g), step_size, -1.0)
        return p, {"prev": g, "step_size": step_size}
