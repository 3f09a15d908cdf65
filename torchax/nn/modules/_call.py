"""Module.__call__ when hooks are registered: forward pre/post hooks, full and legacy backward hooks."""

from __future__ import annotations

import warnings

from torchax._tensor import Tensor
from torchax.nn.modules import _hooks
from torchax.nn.modules._hooks import BackwardHook, RemovableHandle, _WrappedHook


def _run_pre_hooks(module, args, kwargs):
    for hook_id, hook in (*_hooks._global_forward_pre_hooks.items(), *module._forward_pre_hooks.items()):
        if hook_id in module._forward_pre_hooks_with_kwargs:
            result = hook(module, args, kwargs)
            if result is not None:
                if isinstance(result, tuple) and len(result) == 2:
                    args, kwargs = result
                else:
                    raise RuntimeError(f"forward pre-hook must return None or a tuple of (new_args, new_kwargs), but "
                                       f"got {result}.")
        else:
            result = hook(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
    return args, kwargs


def _first_tensor(result):
    var = result
    while not isinstance(var, Tensor):
        var = next(v for v in var.values() if isinstance(v, Tensor)) if isinstance(var, dict) else var[0]
    return var


def call_with_hooks(module, forward_call, args, kwargs):
    """torch's Module._call_impl slow path."""
    result = None
    called_always = set()
    try:
        full_backward, non_full_backward = [], []
        backward_pre = []
        if module._backward_pre_hooks or _hooks._global_backward_pre_hooks:
            backward_pre = module._get_backward_pre_hooks()
        if module._backward_hooks or _hooks._global_backward_hooks:
            full_backward, non_full_backward = module._get_backward_hooks()
        if _hooks._global_forward_pre_hooks or module._forward_pre_hooks:
            args, kwargs = _run_pre_hooks(module, args, kwargs)
        bw_hook = None
        if full_backward or backward_pre:
            bw_hook = BackwardHook(module, full_backward, backward_pre)
            args = bw_hook.setup_input_hook(args)
        result = forward_call(*args, **kwargs)
        if _hooks._global_forward_hooks or module._forward_hooks:
            always, with_kwargs = _hooks._global_forward_hooks_always_called, _hooks._global_forward_hooks_with_kwargs
            for hook_id, hook in (*_hooks._global_forward_hooks.items(), *module._forward_hooks.items()):
                if hook_id in module._forward_hooks_always_called or hook_id in always:
                    called_always.add(hook_id)
                if hook_id in module._forward_hooks_with_kwargs or hook_id in with_kwargs:
                    hook_result = hook(module, args, kwargs, result)
                else:
                    hook_result = hook(module, args, result)
                if hook_result is not None:
                    result = hook_result
        if bw_hook:
            if not isinstance(result, (Tensor, tuple)):
                warnings.warn(f"For backward hooks to be called, module output should be a Tensor or a tuple of "
                              f"Tensors but received {type(result)}", UserWarning, stacklevel=3)
            result = bw_hook.setup_output_hook(result)
        if non_full_backward:
            grad_fn = _first_tensor(result).grad_fn
            if grad_fn is not None:
                for hook in non_full_backward:
                    grad_fn.register_hook(_WrappedHook(hook, module))
                _maybe_warn_non_full_backward_hook(args, result, grad_fn)
        return result
    except Exception:
        _always_called_on_error(module, args, kwargs, result, called_always)
        raise


def _maybe_warn_non_full_backward_hook(inputs, result, grad_fn) -> None:
    """torch's FutureWarnings for the cases where a (deprecated) non-full backward hook misses gradients."""

    def warn(msg):
        warnings.warn(msg, FutureWarning, stacklevel=4)

    if not isinstance(result, Tensor):
        if not (isinstance(result, tuple) and all(isinstance(r, Tensor) for r in result)):
            return warn("Using non-full backward hooks on a Module that does not return a single Tensor or a tuple of "
                        "Tensors is deprecated and will be removed in future versions. This hook will be missing some "
                        "of the grad_output. Please use register_full_backward_hook to get the documented behavior.")
    else:
        result = (result,)
    if not isinstance(inputs, Tensor):
        if not (isinstance(inputs, tuple) and all(isinstance(i, Tensor) for i in inputs)):
            return warn("Using non-full backward hooks on a Module that does not take as input a single Tensor or a "
                        "tuple of Tensors is deprecated and will be removed in future versions. This hook will be "
                        "missing some of the grad_input. Please use register_full_backward_hook to get the documented "
                        "behavior.")
    else:
        inputs = (inputs,)
    out_grad_fn = {r.grad_fn for r in result if r.grad_fn is not None}
    if len(out_grad_fn) == 0 or (len(out_grad_fn) == 1 and grad_fn not in out_grad_fn):
        warn("Using a non-full backward hook when outputs are nested in python data structure is deprecated and will "
             "be removed in future versions. This hook will be missing some grad_output.")
    elif len(out_grad_fn) > 1:
        warn("Using a non-full backward hook when outputs are generated by different autograd Nodes is deprecated and "
             "will be removed in future versions. This hook will be missing some grad_output. Please use "
             "register_full_backward_hook to get the documented behavior.")
    else:
        inputs_grad_fn = {i.grad_fn for i in inputs if i.grad_fn is not None}
        if inputs_grad_fn != {n[0] for n in grad_fn.next_functions}:
            warn("Using a non-full backward hook when the forward contains multiple autograd Nodes is deprecated and "
                 "will be removed in future versions. This hook will be missing some grad_input. Please use "
                 "register_full_backward_hook to get the documented behavior.")


def _always_called_on_error(module, args, kwargs, result, called):
    for hook_id, hook in _hooks._global_forward_hooks.items():
        if hook_id in _hooks._global_forward_hooks_always_called and hook_id not in called:
            try:
                hook_result = hook(module, args, result)
                if hook_result is not None:
                    result = hook_result
            except Exception as e:  # noqa: BLE001 - torch silences it (with a warning) behind the forward's error
                warnings.warn("global module forward hook with ``always_call=True`` raised an exception that was "
                              f"silenced as another error was raised in forward: {str(e)}", UserWarning, stacklevel=3)
    for hook_id, hook in module._forward_hooks.items():
        if hook_id in module._forward_hooks_always_called and hook_id not in called:
            try:
                if hook_id in module._forward_hooks_with_kwargs:
                    hook_result = hook(module, args, kwargs, result)
                else:
                    hook_result = hook(module, args, result)
                if hook_result is not None:
                    result = hook_result
            except Exception as e:  # noqa: BLE001
                warnings.warn("module forward hook with ``always_call=True`` raised an exception that was silenced "
                              f"as another error was raised in forward: {str(e)}", UserWarning, stacklevel=3)


class _HooksMixin:
    """Module's forward/backward hook registration (torch.nn.Module.register_*_hook)."""

    # --- hooks --------------------------------------------------------------------------------------------------

    def register_forward_pre_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False):
        """Module.register_forward_pre_hook: hook(module, args) or, with_kwargs, hook(module, args, kwargs)."""
        handle = RemovableHandle(self._forward_pre_hooks, extra_dict=self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False):
        """Module.register_forward_hook: hook(module, args, output) may return a replacement output."""
        handle = RemovableHandle(self._forward_hooks,
                                 extra_dict=[self._forward_hooks_with_kwargs, self._forward_hooks_always_called])
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_pre_hook(self, hook, prepend: bool = False):
        """Module.register_full_backward_pre_hook: hook(module, grad_output)."""
        handle = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[handle.id] = hook
        if prepend:
            self._backward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_backward_hook(self, hook):
        """Module.register_backward_hook (deprecated; registered on the output's grad_fn)."""
        if self._is_full_backward_hook is True:
            raise RuntimeError("Cannot use both regular backward hooks and full backward hooks on a single Module. "
                               "Please use only one of them.")
        self._is_full_backward_hook = False
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        return handle

    def register_full_backward_hook(self, hook, prepend: bool = False):
        """Module.register_full_backward_hook: hook(module, grad_input, grad_output)."""
        if self._is_full_backward_hook is False:
            raise RuntimeError("Cannot use both regular backward hooks and full backward hooks on a single Module. "
                               "Please use only one of them.")
        self._is_full_backward_hook = True
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if prepend:
            self._backward_hooks.move_to_end(handle.id, last=False)
        return handle

    def _get_backward_hooks(self):
        full, non_full = [], []
        glob = _hooks._global_is_full_backward_hook[0]
        if glob is True:
            full += _hooks._global_backward_hooks.values()
        if self._is_full_backward_hook is True:
            full += self._backward_hooks.values()
        if glob is False:
            non_full += _hooks._global_backward_hooks.values()
        if self._is_full_backward_hook is False:
            non_full += self._backward_hooks.values()
        return full, non_full

    def _get_backward_pre_hooks(self):
        return [*_hooks._global_backward_pre_hooks.values(), *self._backward_pre_hooks.values()]
