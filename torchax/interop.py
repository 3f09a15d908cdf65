"""torchax <-> JAX: modules as pure functions, JAX functions as differentiable ops, arrays without copies.

`to_jax(module)` gives `(params, fn)` with `fn(params, *args)` a pure JAX function (jit/grad/vmap it);
`from_jax(fn)` makes a JAX function an op of torchax Tensors that autograd differentiates;
`JaxModule` holds a JAX function's parameters as torchax Parameters (flax linen and nnx modules too),
and `to_flax(module)` makes a torchax module a flax linen module.
"""

from __future__ import annotations

import contextlib

import jax

from torchax._tensor import Tensor, wrap

__all__ = ["to_jax", "from_jax", "tensor", "array", "JaxModule", "to_flax", "functional_call"]


def array(t: Tensor) -> jax.Array:
    """The jax.Array behind a Tensor (no copy; a view's elements as their own array)."""
    return t._value


def tensor(x) -> Tensor:
    """A Tensor holding jax.Array `x` (no copy)."""
    return wrap(x) if isinstance(x, jax.Array) else wrap(jax.numpy.asarray(x))


def _to_tensors(tree):
    return jax.tree.map(lambda x: wrap(x) if isinstance(x, jax.Array) else x, tree)


def _to_arrays(tree):
    return jax.tree.map(lambda x: x._value if isinstance(x, Tensor) else x, tree,
                        is_leaf=lambda x: isinstance(x, Tensor))


@contextlib.contextmanager
def _swapped(module, values: dict):
    """Give the module's parameters and buffers the arrays in `values` (by state_dict name) for a while."""
    named = dict(module.named_parameters(remove_duplicate=False))
    named.update(dict(module.named_buffers(remove_duplicate=False)))
    unknown = set(values) - set(named)
    if unknown:
        raise KeyError(f"unexpected parameter names: {sorted(unknown)}")
    saved = []
    try:
        for name, v in values.items():
            st = named[name]._storage
            saved.append((st, st.value, st.version))
            st.value = v
            st.version += 1
        yield
    finally:
        for st, v, version in reversed(saved):
            st.value, st.version = v, version + 1


def functional_call(module, params: dict, args=(), kwargs=None, *, rng=None):
    """Run `module` with `params` ({state_dict name: jax.Array}) in place of its own; jax arrays in and out.

    torch.func.functional_call in JAX terms. Random ops draw from the JAX key `rng` (required when they
    run under a JAX transformation).
    """
    from torchax._ops.random import key_scope

    kwargs = kwargs or {}
    if not isinstance(args, tuple):
        args = (args,)
    with _swapped(module, params):
        if rng is None:
            out = module(*_to_tensors(args), **_to_tensors(kwargs))
        else:
            with key_scope(rng):
                out = module(*_to_tensors(args), **_to_tensors(kwargs))
    return _to_arrays(out)


def to_jax(obj):
    """A Tensor's jax.Array; for a Module, `(params, fn)`: the parameters and buffers as a dict of arrays
    (state_dict names) and a pure function `fn(params, *args, rng=None, **kwargs)` of JAX arrays."""
    if isinstance(obj, Tensor):
        return obj._value
    from torchax.nn.modules.module import Module

    if not isinstance(obj, Module):
        raise TypeError(f"to_jax expects a Tensor or a Module, got {type(obj).__name__}")
    params = {k: v._value for k, v in obj.state_dict(keep_vars=True).items()}

    def fn(params, *args, rng=None, **kwargs):
        return functional_call(obj, params, args, kwargs, rng=rng)

    return params, fn


def from_jax(fn, name: str = "JaxFunctionBackward"):
    """A torchax function calling JAX function `fn` on the arrays of its Tensor arguments.

    Autograd differentiates it with `jax.vjp`; non-Tensor arguments pass through unchanged.
    """
    from torchax.autograd import _graph

    def call(*args, **kwargs):
        leaves, tree = jax.tree.flatten((args, kwargs), is_leaf=lambda x: isinstance(x, Tensor))
        pos = [i for i, x in enumerate(leaves) if isinstance(x, Tensor)]
        tensors = [leaves[i] for i in pos]

        def pure(*vals):
            full = list(leaves)
            for i, v in zip(pos, vals):
                full[i] = v
            a, k = jax.tree.unflatten(tree, full)
            out = fn(*a, **k)
            flat, out_tree = jax.tree.flatten(out)
            info["tree"] = out_tree
            return tuple(flat)

        info = {}
        outs, _ = _graph.custom(name, pure, tensors)
        outs = outs if isinstance(outs, tuple) else (outs,)
        return jax.tree.unflatten(info["tree"], list(outs))

    return call


def _module_base():
    from torchax.nn.modules.module import Module

    return Module


class JaxModule(_module_base()):
    """A torchax Module around a JAX function `fn(params, *args)`; `params` (any pytree of arrays) become
    Parameters that optimizers update and state_dict saves. `from_flax` wraps flax linen/nnx modules."""

    def __init__(self, fn, params):
        super().__init__()
        from torchax.nn.parameter import Parameter

        leaves, self._tree = jax.tree.flatten(params)
        self._fn = fn
        self._names = []
        for i, (path, _) in enumerate(jax.tree_util.tree_flatten_with_path(params)[0]):
            name = "_".join(str(getattr(k, "key", getattr(k, "idx", getattr(k, "name", k)))) for k in path) or f"p{i}"
            name = name.replace(".", "_")
            self.register_parameter(name, Parameter(wrap(jax.numpy.asarray(leaves[i]))))
            self._names.append(name)

    def forward(self, *args, **kwargs):
        params = [getattr(self, n) for n in self._names]
        tree = self._tree
        fn = self._fn

        def pure(param_leaves, a, k):
            return fn(jax.tree.unflatten(tree, param_leaves), *a, **k)

        return from_jax(pure, "JaxModuleBackward")(params, args, kwargs)

    @classmethod
    def from_flax(cls, module, variables=None, *, rngs=None, example=None):
        """Wrap a flax module: linen (give `variables` from `module.init`, or `rngs` and `example` input to
        initialise) or nnx (its state is split into parameters; `module` is called functionally)."""
        try:
            from flax import nnx
        except ImportError:  # pragma: no cover - flax is a dependency
            nnx = None
        if nnx is not None and isinstance(module, nnx.Module):
            graphdef, state = nnx.split(module)

            def call(state, *args, **kwargs):
                return nnx.merge(graphdef, state)(*args, **kwargs)

            return cls(call, state)
        if variables is None:
            variables = module.init(rngs if rngs is not None else jax.random.key(0), example)
        return cls(module.apply, variables)


def to_flax(module):
    """A flax linen Module computing `module`; its params initialise from the torchax module's current
    state_dict (so `init` then `apply` reproduces the torchax module)."""
    import flax.linen as linen

    params, fn = to_jax(module)

    class TorchaxModule(linen.Module):
        @linen.compact
        def __call__(self, *args, **kwargs):
            p = {k: self.param(k.replace(".", "/"), lambda _key, v=v: v) for k, v in params.items()}
            return fn({k: p[k] for k in params}, *args, **kwargs)

    return TorchaxModule()
