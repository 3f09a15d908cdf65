"""torch.nn modules: nn.Module: parameters, buffers, submodules, state_dict, hooks, repr."""

__all__: list[str] = []
