"""torch.optim.SGD and torch.optim.ASGD (averaged SGD)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from torchax.optim._fused import _FusedOptimizer, add, f64, muls, new_scalar, step_value, sub, zeros_like
from torchax.optim.optimizer import _check_fused, _check_tensor_lr, _to_scalar

__all__ = ["SGD", "ASGD"]


class SGD(_FusedOptimizer):
    """torchax implementation of `torch.optim.SGD` (momentum, dampening, nesterov, maximize)."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None) -> None:
        _check_tensor_lr(lr)
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach, "differentiable": differentiable,
                    "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            for k, v in (("nesterov", False), ("maximize", False), ("foreach", None), ("differentiable", False),
                         ("fused", False)):
                group.setdefault(k, v)

    def _has_state(self, group) -> bool:
        return group["momentum"] != 0

    def _hparams(self, group):
        return {"lr": _to_scalar(group["lr"]), "momentum": group["momentum"], "dampening": group["dampening"],
                "weight_decay": group["weight_decay"]}

    def _static(self, group):
        return (group["maximize"], group["weight_decay"] != 0, group["momentum"] != 0, group["nesterov"])

    @staticmethod
    def _update(cfg, hp, c, p, g, state):
        maximize, decay, has_momentum, nesterov = cfg
        if maximize:
            g = -g
        if decay:
            g = add(g, p, hp["weight_decay"])
        new = {}
        if has_momentum:
            buf = state.get("momentum_buffer")
            # NOTE: the first buffer is a detached copy of the gradient (no dampening), as in torch
            buf = jax.lax.stop_gradient(g) if buf is None else add(muls(buf, hp["momentum"]), g, 1 - hp["dampening"])
            new["momentum_buffer"] = buf
            g = add(g, buf, hp["momentum"]) if nesterov else buf
        return add(p, g, -hp["lr"]), new


class ASGD(_FusedOptimizer):
    """torchax implementation of `torch.optim.ASGD`."""

    _capturable_names = "params, mus, etas, and state_steps"

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False) -> None:
        _check_tensor_lr(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        lr = float(_to_scalar(group["lr"]))
        return {"step": new_scalar(0.0, p), "eta": new_scalar(lr, p), "mu": new_scalar(1.0, p), "ax": zeros_like(p)}

    def _hparams(self, group):
        return {k: _to_scalar(group[k]) for k in ("lr", "lambd", "alpha", "t0", "weight_decay")}

    def _static(self, group):
        return (group["maximize"], group["weight_decay"] != 0)

    _scalar_state = ("step", "eta", "mu")

    @staticmethod
    def _scalars(cfg, hp, sc):
        step, s = step_value(sc)
        lr = hp["lr"]
        new_eta = lr / (1 + hp["lambd"] * lr * s) ** hp["alpha"]
        new_mu = 1 / jnp.maximum(1.0, s - hp["t0"])
        # the update uses the values from before this step
        return {"step": step, "eta": new_eta, "mu": new_mu}, {"eta": sc["eta"].astype(f64), "mu": sc["mu"]}

    @staticmethod
    def _update(cfg, hp, c, p, g, state):
        maximize, decay = cfg
        if maximize:
            g = -g
        if decay:
            g = add(g, p, hp["weight_decay"])
        eta, mu, ax = c["eta"], c["mu"], state["ax"]
        p = muls(p, 1 - hp["lambd"] * eta)
        p = add(p, g, -eta)
        ax = jnp.where(mu != 1, add(ax, muls(sub(p, ax), mu)), p)
        return p, {"ax": ax}
