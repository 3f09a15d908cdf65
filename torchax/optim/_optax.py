"""torchax.optim.from_optax: any optax GradientTransformation behind the torch Optimizer API."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from torchax._tensor import Tensor, wrap
from torchax.autograd import enable_grad
from torchax.optim.optimizer import Optimizer

__all__ = ["from_optax"]

_KEY = "optax_state"


def from_optax(params, optax_transformation) -> Optimizer:
    """An Optimizer whose step applies `optax_transformation` to all parameters in one jitted call.

    The optax state lives in `optimizer.state["optax_state"]` as a list of Tensors (its pytree leaves), so
    `state_dict()`/`load_state_dict()` round-trip it. With `optax.inject_hyperparams(...)(learning_rate=...)`
    every param group gets an `lr` entry that feeds the injected learning rate, so torch LR schedulers work.
    A parameter whose `.grad` is None gets a zero gradient (optax updates every leaf) but keeps its value.
    """
    return OptaxOptimizer(params, optax_transformation)


def _injected(state) -> dict | None:
    hyper = getattr(state, "hyperparams", None)
    return hyper if isinstance(hyper, dict) else None


class OptaxOptimizer(Optimizer):
    """The Optimizer made by `from_optax` (torchax-only)."""

    def __init__(self, params, transformation) -> None:
        self.transformation = transformation
        super().__init__(params, {})
        init = transformation.init([p._value for p in self._params()])
        leaves, self._treedef = jax.tree.flatten(init)
        self.state[_KEY] = [wrap(jnp.asarray(x)) for x in leaves]
        hyper = _injected(init)
        if hyper is not None and "learning_rate" in hyper:
            for group in self.param_groups:
                # NOTE: optax keeps it as float32; its shortest decimal form is the value the user wrote
                group.setdefault("lr", float(str(np.float32(hyper["learning_rate"]))))
                self.defaults.setdefault("lr", group["lr"])

        def update(state_leaves, lr, params, grads):
            state = jax.tree.unflatten(self._treedef, state_leaves)
            hyper = _injected(state)
            if lr is not None and hyper is not None:
                hyper["learning_rate"] = jnp.asarray(lr, hyper["learning_rate"].dtype)
            updates, state = self.transformation.update(grads, state, params)
            new_params = [(p + u.astype(p.dtype)).astype(p.dtype) for p, u in zip(params, updates)]
            return jax.tree.leaves(state), new_params

        self._update = jax.jit(update)

    def _params(self) -> list:
        return [p for group in self.param_groups for p in group["params"]]

    def step(self, closure=None):
        """Optimizer.step: one optax update of every parameter; returns closure()'s loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        params = self._params()
        values = [p._value for p in params]
        grads = [jnp.zeros_like(v) if p.grad is None else p.grad._value for p, v in zip(params, values)]
        lr = self.param_groups[0].get("lr")
        if isinstance(lr, Tensor):
            lr = lr._value
        leaves = self.state[_KEY]
        new_leaves, new_params = self._update([t._value for t in leaves], lr, values, grads)
        for t, v in zip(leaves, new_leaves):
            t._write(v.astype(t._value.dtype))
        for p, v in zip(params, new_params):
            if p.grad is not None:
                p._write(v)
        return loss
