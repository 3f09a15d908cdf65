"""torch.no_grad / enable_grad / set_grad_enabled / inference_mode: context managers and decorators."""

from __future__ import annotations

import functools
import inspect
import warnings

from torchax import _state


class _GradMode:
    """Base: a context manager that is also a decorator (for plain and generator functions)."""

    _mode: bool = True

    def __call__(self, fn):
        if inspect.isclass(fn):  # torch still allows it, with a FutureWarning: the class is built in the mode
            warnings.warn("Decorating classes is deprecated and will be disabled in future versions. You should "
                          "only decorate functions or methods. To preserve the current behavior of class "
                          "decoration, you can directly decorate the `__init__` method and nothing else.",
                          FutureWarning, stacklevel=2)
            cls = fn

            def make(*args, **kwargs):
                with self.clone():
                    return cls(*args, **kwargs)

            return make
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def gen(*args, **kwargs):  # the mode holds while the generator runs, not while the caller does
                it = fn(*args, **kwargs)
                try:
                    with self.clone():
                        value = next(it)
                    while True:
                        sent = yield value
                        with self.clone():
                            value = it.send(sent)
                except StopIteration as e:
                    return e.value

            return gen

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        return type(self)()

    def __enter__(self):
        self._prev = _state.is_grad_enabled()
        _state.set_grad_enabled_(self._mode)
        return None

    def __exit__(self, *exc):
        _state.set_grad_enabled_(self._prev)
        return False


class _NoParam(_GradMode):
    """Also usable as a bare decorator: `@torch.no_grad` as well as `@torch.no_grad()`."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParam):
    """torch.no_grad."""

    _mode = False


class enable_grad(_NoParam):
    """torch.enable_grad."""

    _mode = True


class set_grad_enabled(_GradMode):
    """torch.set_grad_enabled(mode): takes effect at construction, like torch, and restores on exit."""

    def __init__(self, mode: bool):
        self._prev = _state.is_grad_enabled()
        self._mode = bool(mode)
        _state.set_grad_enabled_(self._mode)

    def __call__(self, fn):
        _state.set_grad_enabled_(self._prev)  # used as a decorator: the mode applies inside calls only
        return super().__call__(fn)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _state.set_grad_enabled_(self._prev)
        return False

    def clone(self):
        return set_grad_enabled(self._mode)


class inference_mode(_GradMode):
    """torch.inference_mode(mode=True): no_grad here (tensors are not marked as inference tensors)."""

    def __new__(cls, mode=True):
        if callable(mode):  # bare @inference_mode
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True):
        self._mode = not mode

    def __enter__(self):
        self._prev_inf = _state._local.inference
        _state._local.inference = not self._mode
        return super().__enter__()

    def __exit__(self, *exc):
        _state._local.inference = self._prev_inf
        return super().__exit__(*exc)

    def clone(self):
        return inference_mode(not self._mode)


def is_grad_enabled() -> bool:
    """torch.is_grad_enabled."""
    return _state.is_grad_enabled()


def is_inference_mode_enabled() -> bool:
    """torch.is_inference_mode_enabled."""
    return _state._local.inference
